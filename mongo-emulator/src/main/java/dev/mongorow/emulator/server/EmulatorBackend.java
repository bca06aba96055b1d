package dev.mongorow.emulator.server;

import java.time.Clock;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.Oplog;
import dev.mongorow.emulator.changestream.ChangeStreamService;
import dev.mongorow.emulator.changestream.DocumentLookup;
import dev.mongorow.emulator.oplog.BoundedOplog;
import dev.mongorow.emulator.storage.ChangeCapture;
import dev.mongorow.emulator.storage.StorageEngine;
import io.netty.channel.Channel;

/**
 * mongo-java-server's backend with our fidelity layer: databases that capture their changes into the
 * {@link BoundedOplog}, change streams served by the {@link ChangeStreamService} at every level
 * (collection, database, deployment), and the replies of a replica-set primary.
 */
public final class EmulatorBackend extends AbstractMongoBackend implements DocumentLookup {

    private static final Logger log = LoggerFactory.getLogger(EmulatorBackend.class);

    private final StorageEngine storage;
    private final BoundedOplog oplog;
    private final ChangeCapture changeCapture;
    private final ReplicaSetIdentity identity;
    private final ChangeStreamService changeStreams;

    public EmulatorBackend(StorageEngine storage, BoundedOplog oplog, ReplicaSetIdentity identity, Clock clock) {
        super(clock);
        this.storage = storage;
        this.oplog = oplog;
        this.changeCapture = new ChangeCapture(oplog);
        this.identity = identity;
        this.changeStreams = new ChangeStreamService(oplog, getCursorRegistry(), this);
        for (String databaseName : storage.existingDatabaseNames()) {
            resolveDatabase(databaseName);
        }
        enableOplog();
    }

    public ChangeStreamService changeStreams() {
        return changeStreams;
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String databaseName) {
        return storage.openDatabase(databaseName, getCursorRegistry(), changeCapture);
    }

    /** The library's oplog callbacks; inserts, updates and deletes are captured in the collections instead. */
    @Override
    protected Oplog createOplog() {
        return new DropCapturingOplog();
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        if (ReplicaSetIdentity.isHello(command)) {
            return identity.hello(channel, command, oplog.lastPosition());
        }
        if (command.equalsIgnoreCase("aggregate") && ChangeStreamService.isChangeStream(query)) {
            return changeStreams.open(databaseName, query);
        }
        if (command.equalsIgnoreCase("replSetGetStatus") && "admin".equals(databaseName)) {
            return identity.status(channel, oplog.lastPosition());
        }
        if (OrderedUpdates.applies(command, query)) {
            return OrderedUpdates.run(query, statement -> super.handleCommand(channel, databaseName, command, statement));
        }
        return super.handleCommand(channel, databaseName, command, query);
    }

    @Override
    protected Document handleKillCursors(Document query) {
        Document reply = super.handleKillCursors(query);
        if (reply.get("cursorsKilled") instanceof List<?> killed) {
            killed.forEach(cursorId -> changeStreams.cursorKilled(((Number) cursorId).longValue()));
        }
        return reply;
    }

    @Override
    public void closeCursors(List<Long> cursorIds) {
        super.closeCursors(cursorIds);
        cursorIds.forEach(changeStreams::cursorKilled);
    }

    @Override
    public void dropDatabase(String databaseName) {
        boolean existed = listDatabaseNames().contains(databaseName);
        super.dropDatabase(databaseName);
        if (existed && ChangeCapture.isCaptured(databaseName, null)) {
            changeCapture.databaseDropped(databaseName);
        }
    }

    @Override
    public Document findById(String databaseName, String collectionName, Object id) {
        if (!listDatabaseNames().contains(databaseName)) {
            return null;
        }
        MongoCollection<?> collection = resolveDatabase(databaseName).resolveCollection(collectionName, false);
        if (collection == null) {
            return null;
        }
        // Copy under the collection's lock: writers update stored documents in place.
        synchronized (collection) {
            for (Document document : collection.handleQuery(new Document("_id", id), 0, 1)) {
                return document.cloneDeeply();
            }
        }
        return null;
    }

    @Override
    public void close() {
        super.close();
        storage.close();
        log.info("closed backend ({})", storage.description());
    }

    /** Receives the library's drop notifications; everything else reaches the oplog through the collections. */
    private final class DropCapturingOplog implements Oplog {

        @Override
        public void handleInsert(String namespace, List<Document> documents) {
        }

        @Override
        public void handleUpdate(String namespace, Document selector, Document query, List<Object> modifiedIds) {
        }

        @Override
        public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
        }

        @Override
        public void handleDropCollection(String namespace) {
            int dot = namespace.indexOf('.');
            String database = namespace.substring(0, dot);
            String collection = namespace.substring(dot + 1);
            if (ChangeCapture.isCaptured(database, collection)) {
                changeCapture.collectionDropped(database, collection);
            }
        }

        @Override
        public Cursor createCursor(Document changeStreamDocument, String namespace, Aggregation aggregation) {
            throw new MongoServerError(20, "IllegalOperation", "$changeStream is only supported as the first stage "
                + "of an aggregate command (namespace " + namespace + ")");
        }
    }
}

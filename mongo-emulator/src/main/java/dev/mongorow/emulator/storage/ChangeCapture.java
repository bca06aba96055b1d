package dev.mongorow.emulator.storage;

import java.util.Set;
import java.util.function.Supplier;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.bson.Document;
import dev.mongorow.emulator.changestream.UpdateDescriptions;
import dev.mongorow.emulator.oplog.BoundedOplog;
import dev.mongorow.emulator.oplog.OperationType;

/**
 * Turns every committed change into an oplog entry, at the moment it happens, from inside the storage
 * engine: the collection hooks call it while still holding the collection's lock, so entries of one
 * collection are in commit order and every document image is exactly the one written.
 *
 * <p>Like MongoDB's change streams, it ignores the internal databases and {@code system.*} collections.
 */
public final class ChangeCapture {

    private static final Set<String> INTERNAL_DATABASES = Set.of("admin", "local", "config");
    private static final String ID = "_id";

    /** The update being applied on this thread: tells an operator update from a replacement. */
    private static final ThreadLocal<Document> UPDATE_IN_PROGRESS = new ThreadLocal<>();

    private final BoundedOplog oplog;

    public ChangeCapture(BoundedOplog oplog) {
        this.oplog = oplog;
    }

    public static boolean isCaptured(String database, String collection) {
        return !INTERNAL_DATABASES.contains(database) && (collection == null || !collection.startsWith("system."));
    }

    /** Runs an update or findAndModify so that the update hooks below know the update document. */
    static <T> T withUpdate(Object update, Supplier<T> write) {
        Document previous = UPDATE_IN_PROGRESS.get();
        UPDATE_IN_PROGRESS.set(update instanceof Document document ? document : null);
        try {
            return write.get();
        } finally {
            if (previous == null) {
                UPDATE_IN_PROGRESS.remove();
            } else {
                UPDATE_IN_PROGRESS.set(previous);
            }
        }
    }

    /** Collection hook: a document was inserted (also by an upsert). */
    static void inserted(MongoCollection<?> collection, Document document) {
        ChangeCapture capture = captureFor(collection);
        if (capture != null) {
            capture.oplog.append(OperationType.INSERT, collection.getDatabaseName(), collection.getCollectionName(), document);
        }
    }

    /** Collection hook: a document was changed in place by an update, a replacement or findAndModify. */
    static void updated(MongoCollection<?> collection, Document before, Document after) {
        ChangeCapture capture = captureFor(collection);
        if (capture == null) {
            return;
        }
        Document update = UPDATE_IN_PROGRESS.get();
        if (update == null || isReplacement(update)) {
            capture.oplog.append(OperationType.REPLACE, collection.getDatabaseName(), collection.getCollectionName(), after);
        } else {
            Document body = new Document(ID, after.get(ID))
                .append("updateDescription", UpdateDescriptions.describe(before, after, update));
            capture.oplog.append(OperationType.UPDATE, collection.getDatabaseName(), collection.getCollectionName(), body);
        }
    }

    /** Collection hook: a document was removed by a delete or findAndModify. */
    static void deleted(MongoCollection<?> collection, Document removed) {
        ChangeCapture capture = captureFor(collection);
        if (capture != null) {
            capture.oplog.append(OperationType.DELETE, collection.getDatabaseName(), collection.getCollectionName(),
                new Document(ID, removed.get(ID)));
        }
    }

    /**
     * The capture a collection reports to, or null when its changes are not captured. Looked up on every
     * change rather than stored in the collection: a renamed collection moves to another database object, and
     * collections are created while their database is still being constructed.
     */
    private static ChangeCapture captureFor(MongoCollection<?> collection) {
        if (!isCaptured(collection.getDatabaseName(), collection.getCollectionName())) {
            return null;
        }
        MongoDatabase database = collection.getDatabase();
        if (!(database instanceof ChangeCapturingDatabase capturing) || capturing.changeCapture() == null) {
            throw new IllegalStateException("collection " + collection.getFullName()
                + " belongs to " + database + ", which captures no changes");
        }
        return capturing.changeCapture();
    }

    public void collectionDropped(String database, String collection) {
        oplog.append(OperationType.DROP, database, collection, null);
    }

    /**
     * Database hook: moves a collection to a new name and records the rename, holding the collection's lock
     * so that no write to it lands between the move and its oplog entry.
     */
    void renamed(MongoCollection<?> collection, String targetDatabase, String targetCollection, Runnable move) {
        synchronized (collection) {
            String database = collection.getDatabaseName();
            String source = collection.getCollectionName();
            move.run();
            if (isCaptured(database, source)) {
                Document target = new Document("db", targetDatabase).append("coll", targetCollection);
                oplog.append(OperationType.RENAME, database, source, new Document("to", target));
            }
        }
    }

    public void databaseDropped(String database) {
        oplog.append(OperationType.DROP_DATABASE, database, null, null);
    }

    private static boolean isReplacement(Document update) {
        return update.keySet().stream().noneMatch(key -> key.startsWith("$"));
    }
}

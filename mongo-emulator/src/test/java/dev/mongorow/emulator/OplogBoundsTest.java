package dev.mongorow.emulator;

import static dev.mongorow.emulator.ChangeStreams.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;

import dev.mongorow.emulator.oplog.OplogStats;

/** The oplog keeps at most its limit, and a resume point that fell off it fails as on MongoDB (286). */
class OplogBoundsTest {

    private static final int MAX_ENTRIES = 100;

    private MongoEmulator emulator;
    private MongoClient client;
    private MongoCollection<Document> collection;

    @BeforeEach
    void start() {
        emulator = MongoEmulator.builder().port(0).oplogMaxEntries(MAX_ENTRIES).noopInterval(Duration.ofHours(1)).build().start();
        client = MongoClients.create(emulator.connectionString());
        collection = client.getDatabase("bounds").getCollection("events");
    }

    @AfterEach
    void stop() {
        client.close();
        emulator.stop();
    }

    @Test
    void theEntryCountIsCappedAfterManyWrites() {
        for (int i = 0; i < 1000; i++) {
            collection.insertOne(new Document("_id", i));
        }
        OplogStats stats = emulator.oplogStats();
        assertEquals(MAX_ENTRIES, stats.entries());
        assertEquals(1000, stats.appendedTotal());
        assertEquals(900, stats.droppedTotal());
        assertEquals(1000, collection.countDocuments(), "the data itself is never dropped");
    }

    @Test
    void resumingFromATokenNoLongerInTheOplogFailsWithHistoryLost() {
        BsonDocument firstToken;
        try (var stream = ChangeStreams.open(collection.watch().maxAwaitTime(100, TimeUnit.MILLISECONDS))) {
            collection.insertOne(new Document("_id", "first"));
            firstToken = next(stream).getDocument("_id");
        }
        for (int i = 0; i < 2 * MAX_ENTRIES; i++) {
            collection.insertOne(new Document("_id", i));
        }
        MongoCommandException error = assertThrows(MongoCommandException.class,
            () -> ChangeStreams.open(collection.watch().resumeAfter(firstToken)));
        assertEquals(286, error.getErrorCode());
        assertEquals("ChangeStreamHistoryLost", error.getErrorCodeName());
    }

    @Test
    void operationTimeZeroReadsTheWholeOplogUntilItHasDroppedEntries() {
        for (int i = 0; i < 3; i++) {
            collection.insertOne(new Document("_id", i));
        }
        try (var fromStart = ChangeStreams.open(collection.watch().startAtOperationTime(new BsonTimestamp(0, 0))
            .maxAwaitTime(100, TimeUnit.MILLISECONDS))) {
            assertEquals(3, next(fromStart, 3).size());
        }
        for (int i = 3; i < 2 * MAX_ENTRIES; i++) {
            collection.insertOne(new Document("_id", i));
        }
        MongoCommandException error = assertThrows(MongoCommandException.class,
            () -> ChangeStreams.open(collection.watch().startAtOperationTime(new BsonTimestamp(0, 0))));
        assertEquals(286, error.getErrorCode());
    }

    @Test
    void aCursorThatFellBehindTheOplogFailsWithHistoryLost() {
        try (var stream = ChangeStreams.open(collection.watch().maxAwaitTime(100, TimeUnit.MILLISECONDS))) {
            collection.insertOne(new Document("_id", "seen"));
            next(stream);
            for (int i = 0; i < 2 * MAX_ENTRIES; i++) {
                collection.insertOne(new Document("_id", i));
            }
            MongoCommandException error = assertThrows(MongoCommandException.class, stream::tryNext);
            assertEquals(286, error.getErrorCode());
        }
    }
}

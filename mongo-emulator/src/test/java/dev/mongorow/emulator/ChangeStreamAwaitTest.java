package dev.mongorow.emulator;

import static dev.mongorow.emulator.ChangeStreams.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;

import dev.mongorow.emulator.changestream.ChangeStreamStats;

/**
 * getMore on a change stream waits for events up to maxAwaitTime instead of returning at once, and does
 * so without polling: asserted on the server's own counters (reads and entries scanned), not on CPU
 * timings. The one wall-clock assertion is a lower bound (the server did wait).
 */
class ChangeStreamAwaitTest {

    private static MongoEmulator emulator;
    private static MongoClient client;

    @BeforeAll
    static void startEmulator() {
        // No periodic no-ops during these tests: every oplog entry is one the test wrote.
        emulator = MongoEmulator.builder().port(0).noopInterval(Duration.ofHours(1)).build().start();
        client = MongoClients.create(emulator.connectionString());
    }

    @AfterAll
    static void stopEmulator() {
        client.close();
        emulator.stop();
    }

    private static MongoChangeStreamCursor<BsonDocument> watch(MongoCollection<Document> collection, long maxAwaitMillis) {
        return ChangeStreams.open(collection.watch().maxAwaitTime(maxAwaitMillis, TimeUnit.MILLISECONDS));
    }

    @Test
    void anIdleGetMoreWaitsMaxAwaitTimeReadingTheOplogOnlyTwice() {
        MongoCollection<Document> collection = client.getDatabase("await").getCollection("idle");
        try (var stream = watch(collection, 1500)) {
            ChangeStreamStats.Snapshot before = emulator.changeStreamStats();
            long started = System.nanoTime();
            assertNull(stream.tryNext());
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            ChangeStreamStats.Snapshot after = emulator.changeStreamStats();

            assertTrue(waitedMillis >= 1400, "the getMore returned after " + waitedMillis + " ms instead of waiting ~1500 ms");
            assertEquals(1, after.getMores() - before.getMores());
            assertEquals(1, after.waitsStarted() - before.waitsStarted());
            assertEquals(1, after.waitsTimedOut() - before.waitsTimedOut());
            assertEquals(2, after.batchesRead() - before.batchesRead(), "one read before the wait, one when it ends");
            assertEquals(0, after.entriesScanned() - before.entriesScanned());
        }
    }

    @Test
    void aWaitingGetMoreIsWokenByTheNextWrite() throws Exception {
        MongoCollection<Document> collection = client.getDatabase("await").getCollection("woken");
        try (var stream = watch(collection, 60_000)) {
            ChangeStreamStats.Snapshot before = emulator.changeStreamStats();
            CompletableFuture<BsonDocument> event = CompletableFuture.supplyAsync(stream::tryNext);
            awaitWaitingGetMores(before.waitsStarted() + 1);
            collection.insertOne(new Document("_id", 1));
            BsonDocument received = event.get(30, TimeUnit.SECONDS);
            assertNotNull(received, "the waiting getMore returned without the event");
            assertEquals("insert", received.getString("operationType").getValue());
            ChangeStreamStats.Snapshot after = emulator.changeStreamStats();
            assertEquals(1, after.waitsWokenByWrite() - before.waitsWokenByWrite());
            assertEquals(0, after.waitsTimedOut() - before.waitsTimedOut());
        }
    }

    @Test
    void writesToOtherCollectionsDoNotAnswerAWaitingGetMoreEarly() throws Exception {
        MongoCollection<Document> watched = client.getDatabase("await").getCollection("watched");
        MongoCollection<Document> other = client.getDatabase("await").getCollection("noise");
        try (var stream = watch(watched, 60_000)) {
            ChangeStreamStats.Snapshot before = emulator.changeStreamStats();
            CompletableFuture<BsonDocument> event = CompletableFuture.supplyAsync(stream::tryNext);
            awaitWaitingGetMores(before.waitsStarted() + 1);
            for (int i = 0; i < 20; i++) {
                other.insertOne(new Document("_id", i));
            }
            watched.insertOne(new Document("_id", "wanted"));
            BsonDocument received = event.get(30, TimeUnit.SECONDS);
            assertNotNull(received);
            assertEquals("wanted", received.getDocument("documentKey").getString("_id").getValue());
            ChangeStreamStats.Snapshot after = emulator.changeStreamStats();
            assertEquals(1, after.getMores() - before.getMores(), "noise must not end the getMore");
            assertEquals(21, after.entriesScanned() - before.entriesScanned(), "each entry examined once");
        }
    }

    @Test
    void eachBatchScansOnlyTheEntriesAppendedSinceThePreviousOne() {
        MongoCollection<Document> collection = client.getDatabase("await").getCollection("incremental");
        try (var stream = watch(collection, 200)) {
            List<Document> documents = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                documents.add(new Document("_id", i));
            }
            collection.insertMany(documents);
            next(stream, 2000);

            ChangeStreamStats.Snapshot before = emulator.changeStreamStats();
            for (int i = 0; i < 10; i++) {
                collection.insertOne(new Document("_id", "late" + i));
            }
            next(stream, 10);
            ChangeStreamStats.Snapshot after = emulator.changeStreamStats();
            assertEquals(10, after.entriesScanned() - before.entriesScanned(),
                "the cursor must read the 10 new entries, not rescan the 2010 in the oplog");
        }
    }

    private static void awaitWaitingGetMores(long waitsStarted) throws InterruptedException {
        long deadline = System.nanoTime() + ChangeStreams.PATIENCE.toNanos();
        while (emulator.changeStreamStats().waitsStarted() < waitsStarted) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no getMore started waiting");
            }
            Thread.sleep(10);
        }
    }
}

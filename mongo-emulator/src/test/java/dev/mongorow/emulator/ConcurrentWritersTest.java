package dev.mongorow.emulator;

import static dev.mongorow.emulator.ChangeStreams.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;

/** Writers on many connections at once: every change reaches the stream once, in order per document. */
class ConcurrentWritersTest {

    private static final int WRITERS = 4;
    private static final int DOCUMENTS_PER_WRITER = 250;

    @Test
    void everyChangeArrivesOnceInPerDocumentOrderWithIncreasingClusterTimes() throws Exception {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoDatabase database = client.getDatabase("concurrent");
            try (var stream = ChangeStreams.open(database.watch().fullDocument(FullDocument.UPDATE_LOOKUP)
                .maxAwaitTime(200, TimeUnit.MILLISECONDS))) {
                ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    String collection = "c" + (w % 2);
                    int writer = w;
                    done.add(writers.submit(() -> {
                        for (int i = 0; i < DOCUMENTS_PER_WRITER; i++) {
                            String id = writer + "-" + i;
                            database.getCollection(collection).insertOne(new Document("_id", id).append("v", 0));
                            database.getCollection(collection).updateOne(Filters.eq("_id", id), Updates.inc("v", 1));
                            database.getCollection(collection).deleteOne(Filters.eq("_id", id));
                        }
                    }));
                }
                for (Future<?> writer : done) {
                    writer.get(60, TimeUnit.SECONDS);
                }
                writers.shutdown();

                List<BsonDocument> events = next(stream, WRITERS * DOCUMENTS_PER_WRITER * 3);
                Map<String, List<String>> perDocument = new HashMap<>();
                BsonTimestamp previous = null;
                for (BsonDocument event : events) {
                    BsonTimestamp clusterTime = event.getTimestamp("clusterTime");
                    assertTrue(previous == null || clusterTime.compareTo(previous) > 0);
                    previous = clusterTime;
                    perDocument.computeIfAbsent(event.getDocument("documentKey").getString("_id").getValue(), id -> new ArrayList<>())
                        .add(event.getString("operationType").getValue());
                }
                assertEquals(WRITERS * DOCUMENTS_PER_WRITER, perDocument.size());
                perDocument.forEach((id, operations) -> assertEquals(List.of("insert", "update", "delete"), operations, id));
                assertEquals(null, stream.tryNext(), "no duplicates after the last event");
            }
        }
    }
}

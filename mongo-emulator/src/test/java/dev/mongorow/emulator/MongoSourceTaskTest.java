package dev.mongorow.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.kafka.connect.source.MongoSourceTask;

/**
 * The real mongo-kafka-connect 2.0.1 source task, run in-process against the emulator with the settings a
 * real replica set gets (updateLookup, heartbeats, startup.mode latest), polled directly: no broker needed.
 */
class MongoSourceTaskTest {

    private static final String HEARTBEAT_TOPIC = "__mongodb_heartbeats";

    @TempDir
    Path dataDirectory;

    /** The connector configuration as deployed against a real MongoDB replica set; only the URI differs. */
    private static Map<String, String> connectorConfig(MongoEmulator emulator) {
        Map<String, String> config = new HashMap<>();
        config.put("connection.uri", emulator.connectionString());
        config.put("database", "shop");
        config.put("collection", "users");
        config.put("change.stream.full.document", "updateLookup");
        config.put("startup.mode", "latest");
        config.put("heartbeat.interval.ms", "1000");
        config.put("heartbeat.topic.name", HEARTBEAT_TOPIC);
        config.put("poll.await.time.ms", "500");
        config.put("poll.max.batch.size", "100");
        config.put("output.format.value", "json");
        config.put("output.format.key", "json");
        return config;
    }

    @Test
    void publishesWellFormedRecordsForInsertUpdateReplaceAndDelete() {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString());
             RunningTask task = RunningTask.start(connectorConfig(emulator), new InMemoryOffsets())) {
            MongoCollection<Document> users = client.getDatabase("shop").getCollection("users");
            users.insertOne(new Document("_id", "u1").append("name", "Ada").append("email", "ada@example.com"));
            users.updateOne(Filters.eq("_id", "u1"), Updates.combine(Updates.set("name", "Ada L."), Updates.unset("email")));
            users.replaceOne(Filters.eq("_id", "u1"), new Document("name", "Countess"));
            users.deleteOne(Filters.eq("_id", "u1"));

            List<SourceRecord> records = task.pollUntil(4, record -> record.topic().equals("shop.users"));
            List<BsonDocument> events = records.stream().map(record -> BsonDocument.parse((String) record.value())).toList();
            assertEquals(List.of("insert", "update", "replace", "delete"),
                events.stream().map(event -> event.getString("operationType").getValue()).toList());
            for (int i = 0; i < records.size(); i++) {
                BsonDocument event = events.get(i);
                assertEquals(BsonDocument.parse("{db: 'shop', coll: 'users'}"), event.getDocument("ns"));
                assertEquals(BsonDocument.parse("{_id: 'u1'}"), event.getDocument("documentKey"));
                assertTrue(event.get("clusterTime").isTimestamp(), event.toJson());
                assertTrue(event.get("wallTime").isDateTime(), event.toJson());
                // the key is the documentKey (change.stream.document.key.as.key defaults to true); the offset is the
                // event's resume token, which is what the task resumes from
                assertEquals(event.getDocument("documentKey"), BsonDocument.parse((String) records.get(i).key()));
                assertEquals(event.getDocument("_id"), BsonDocument.parse((String) records.get(i).sourceOffset().get("_id")));
            }
            assertEquals(BsonDocument.parse("{_id: 'u1', name: 'Ada', email: 'ada@example.com'}"),
                events.get(0).getDocument("fullDocument"));
            assertEquals(BsonDocument.parse("{updatedFields: {name: 'Ada L.'}, removedFields: ['email'], truncatedArrays: []}"),
                events.get(1).getDocument("updateDescription"));
            assertTrue(events.get(1).isNull("fullDocument"), "looked up after the delete: " + events.get(1).toJson());
            assertEquals(BsonDocument.parse("{_id: 'u1', name: 'Countess'}"), events.get(2).getDocument("fullDocument"));
            assertFalse(events.get(3).containsKey("fullDocument"));
        }
    }

    @Test
    void updateLookupDeliversTheCurrentDocument() {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString());
             RunningTask task = RunningTask.start(connectorConfig(emulator), new InMemoryOffsets())) {
            MongoCollection<Document> users = client.getDatabase("shop").getCollection("users");
            users.insertOne(new Document("_id", 1).append("visits", 1));
            task.pollUntil(1, record -> record.topic().equals("shop.users"));
            users.updateOne(Filters.eq("_id", 1), Updates.inc("visits", 1));
            BsonDocument update = BsonDocument.parse((String) task.pollUntil(1, record -> record.topic().equals("shop.users"))
                .get(0).value());
            assertEquals(BsonDocument.parse("{_id: 1, visits: 2}"), update.getDocument("fullDocument"));
        }
    }

    @Test
    void emitsHeartbeatsWhileOnlyOtherCollectionsChange() {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString());
             RunningTask task = RunningTask.start(connectorConfig(emulator), new InMemoryOffsets())) {
            client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 1));
            SourceRecord heartbeat = task.pollUntil(1, record -> record.topic().equals(HEARTBEAT_TOPIC)).get(0);
            assertEquals("true", heartbeat.sourceOffset().get("HEARTBEAT"));
            BsonDocument token = BsonDocument.parse((String) heartbeat.sourceOffset().get("_id"));
            assertTrue(token.containsKey("_data"), token.toJson());
        }
    }

    @Test
    void emitsHeartbeatsWhileNothingAtAllIsWritten() {
        // MongoDB's primary writes a no-op every 10 s while idle; shortened here so the test is quick
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).noopInterval(Duration.ofMillis(300)).build().start();
             RunningTask task = RunningTask.start(connectorConfig(emulator), new InMemoryOffsets())) {
            SourceRecord first = task.pollUntil(1, record -> record.topic().equals(HEARTBEAT_TOPIC)).get(0);
            SourceRecord second = task.pollUntil(1, record -> record.topic().equals(HEARTBEAT_TOPIC)).get(0);
            String firstToken = BsonDocument.parse((String) first.sourceOffset().get("_id")).getString("_data").getValue();
            String secondToken = BsonDocument.parse((String) second.sourceOffset().get("_id")).getString("_data").getValue();
            assertTrue(secondToken.compareTo(firstToken) > 0, firstToken + " then " + secondToken);
        }
    }

    @Test
    void resumesFromItsStoredOffsetAfterTheEmulatorRestarts() {
        InMemoryOffsets offsets = new InMemoryOffsets();
        int port;
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).dataDirectory(dataDirectory).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            port = emulator.port();
            MongoCollection<Document> users = client.getDatabase("shop").getCollection("users");
            try (RunningTask task = RunningTask.start(connectorConfig(emulator), offsets)) {
                users.insertOne(new Document("_id", "a"));
                users.insertOne(new Document("_id", "b"));
                task.pollUntil(2, record -> record.topic().equals("shop.users")).forEach(offsets::commit);
                users.insertOne(new Document("_id", "written-while-the-task-was-down"));
            }
        }
        try (MongoEmulator emulator = MongoEmulator.builder().port(port).dataDirectory(dataDirectory).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            client.getDatabase("shop").getCollection("users").insertOne(new Document("_id", "c"));
            try (RunningTask task = RunningTask.start(connectorConfig(emulator), offsets)) {
                List<SourceRecord> records = task.pollUntil(2, record -> record.topic().equals("shop.users"));
                assertEquals(List.of("written-while-the-task-was-down", "c"), records.stream()
                    .map(record -> BsonDocument.parse((String) record.value()).getDocument("documentKey").getString("_id").getValue())
                    .toList());
            }
        }
    }

    /** A started MongoSourceTask, polled by the test as the Connect worker would. */
    private static final class RunningTask implements AutoCloseable {

        private final MongoSourceTask task = new MongoSourceTask();

        static RunningTask start(Map<String, String> config, InMemoryOffsets offsets) {
            RunningTask running = new RunningTask();
            running.task.initialize(new SourceTaskContext() {
                @Override
                public Map<String, String> configs() {
                    return config;
                }

                @Override
                public OffsetStorageReader offsetStorageReader() {
                    return offsets;
                }

                @Override
                public PluginMetrics pluginMetrics() {
                    return null;
                }
            });
            running.task.start(config);
            return running;
        }

        /** Polls until {@code count} records match, failing after {@link ChangeStreams#PATIENCE}. */
        List<SourceRecord> pollUntil(int count, Predicate<SourceRecord> wanted) {
            List<SourceRecord> matching = new ArrayList<>();
            long deadline = System.nanoTime() + ChangeStreams.PATIENCE.toNanos();
            while (matching.size() < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("expected " + count + " records, got " + matching);
                }
                List<SourceRecord> polled = task.poll();
                if (polled != null) {
                    polled.stream().filter(wanted).forEach(matching::add);
                }
            }
            return matching;
        }

        @Override
        public void close() {
            task.stop();
        }
    }

    /** Connect's offset store, reduced to a map: offsets are committed by the test once records are "delivered". */
    private static final class InMemoryOffsets implements OffsetStorageReader {

        private final Map<Map<String, ?>, Map<String, Object>> committed = new HashMap<>();

        synchronized void commit(SourceRecord record) {
            committed.put(record.sourcePartition(), new HashMap<>(record.sourceOffset()));
        }

        @Override
        public synchronized <T> Map<String, Object> offset(Map<String, T> partition) {
            return committed.get(partition);
        }

        @Override
        public synchronized <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
            Map<Map<String, T>, Map<String, Object>> result = new HashMap<>();
            for (Map<String, T> partition : partitions) {
                result.put(partition, committed.get(partition));
            }
            return result;
        }
    }
}

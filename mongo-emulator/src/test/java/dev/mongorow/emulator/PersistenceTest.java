package dev.mongorow.emulator;

import static dev.mongorow.emulator.ChangeStreams.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;

/** With a data directory, data and oplog survive a restart, and change streams resume across it. */
class PersistenceTest {

    @TempDir
    Path dataDirectory;

    private MongoEmulator start() {
        return MongoEmulator.builder().port(0).dataDirectory(dataDirectory).build().start();
    }

    @Test
    void dataAndOplogSurviveARestartAndAStreamResumesAcrossIt() {
        BsonDocument secondToken;
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            try (var stream = ChangeStreams.open(users.watch().maxAwaitTime(100, TimeUnit.MILLISECONDS))) {
                for (int i = 1; i <= 4; i++) {
                    users.insertOne(new Document("_id", i).append("name", "user" + i));
                }
                users.updateOne(Filters.eq("_id", 1), Updates.set("name", "renamed"));
                secondToken = next(stream, 5).get(1).getDocument("_id");
            }
        }

        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            assertEquals(4, users.countDocuments());
            assertEquals("renamed", users.find(Filters.eq("_id", 1)).first().getString("name"));
            assertTrue(emulator.oplogStats().entries() >= 5, emulator.oplogStats().toString());

            try (var resumed = ChangeStreams.open(users.watch().fullDocument(FullDocument.UPDATE_LOOKUP)
                .resumeAfter(secondToken).maxAwaitTime(100, TimeUnit.MILLISECONDS))) {
                users.deleteOne(Filters.eq("_id", 4));
                List<BsonDocument> events = next(resumed, 4);
                assertEquals(List.of("insert", "insert", "update", "delete"),
                    events.stream().map(event -> event.getString("operationType").getValue()).toList());
                assertEquals("renamed", events.get(2).getDocument("fullDocument").getString("name").getValue());
                String lastBeforeRestart = events.get(2).getDocument("_id").getString("_data").getValue();
                String firstAfterRestart = events.get(3).getDocument("_id").getString("_data").getValue();
                assertTrue(firstAfterRestart.compareTo(lastBeforeRestart) > 0, "tokens keep increasing across restarts");
            }
        }
    }

    @Test
    void dropsAndRenamesArePersisted() {
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            client.getDatabase("app").getCollection("gone").insertOne(new Document("_id", 1));
            client.getDatabase("app").getCollection("gone").drop();
            client.getDatabase("app").getCollection("old").insertOne(new Document("_id", 2));
            client.getDatabase("app").getCollection("old").renameCollection(new com.mongodb.MongoNamespace("app", "new"));
        }
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            List<String> names = client.getDatabase("app").listCollectionNames().into(new java.util.ArrayList<>());
            assertEquals(List.of("new"), names);
            MongoCollection<Document> renamed = client.getDatabase("app").getCollection("new");
            assertEquals(1, renamed.countDocuments());
            assertEquals(new Document("_id", 2), renamed.find(Filters.eq("_id", 2)).first(), "found through the _id index");
        }
    }

    @Test
    void anInMemoryEmulatorLosesItsHistoryOnRestart() {
        BsonDocument token;
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            try (var stream = ChangeStreams.open(users.watch().maxAwaitTime(100, TimeUnit.MILLISECONDS))) {
                users.insertOne(new Document("_id", 1));
                token = next(stream).getDocument("_id");
            }
        }
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            MongoCommandException error = assertThrows(MongoCommandException.class,
                () -> ChangeStreams.open(users.watch().resumeAfter(token)));
            assertEquals(286, error.getErrorCode());
        }
    }

    @Test
    void aSecondEmulatorCannotOpenADataDirectoryInUse() {
        try (MongoEmulator first = start()) {
            IllegalStateException error = assertThrows(IllegalStateException.class, this::start);
            assertTrue(error.getMessage().contains("mongo-emulator.mv.db"), error.getMessage());
        }
    }
}

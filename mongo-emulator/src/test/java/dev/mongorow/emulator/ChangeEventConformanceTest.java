package dev.mongorow.emulator;

import static dev.mongorow.emulator.ChangeStreams.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoCommandException;
import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndReplaceOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;

/**
 * Every change event's shape against https://www.mongodb.com/docs/manual/reference/change-events/, read
 * through the MongoDB Java driver's {@code watch()} over a real socket.
 */
class ChangeEventConformanceTest {

    private static final AtomicInteger NAMES = new AtomicInteger();

    private static MongoEmulator emulator;
    private static MongoClient client;

    private MongoDatabase database;
    private MongoCollection<Document> collection;

    @BeforeAll
    static void startEmulator() {
        emulator = MongoEmulator.builder().port(0).build().start();
        client = MongoClients.create(emulator.connectionString());
    }

    @AfterAll
    static void stopEmulator() {
        client.close();
        emulator.stop();
    }

    @BeforeEach
    void freshNamespace() {
        database = client.getDatabase("conformance" + NAMES.incrementAndGet());
        collection = database.getCollection("users");
    }

    private static <T> MongoChangeStreamCursor<BsonDocument> open(ChangeStreamIterable<T> stream) {
        return ChangeStreams.open(stream.maxAwaitTime(200, TimeUnit.MILLISECONDS));
    }

    private static List<String> fieldNames(BsonDocument document) {
        return new ArrayList<>(document.keySet());
    }

    private void assertNamespace(BsonDocument event, String coll) {
        assertEquals(new BsonDocument("db", new BsonString(database.getName())).append("coll", new BsonString(coll)),
            event.getDocument("ns"));
    }

    private static void assertHeader(BsonDocument event, String operationType) {
        assertEquals(operationType, event.getString("operationType").getValue(), event.toJson());
        assertTrue(event.getDocument("_id").getString("_data").getValue().matches("[0-9A-F]+"), event.toJson());
        assertTrue(event.get("clusterTime").isTimestamp(), event.toJson());
        assertTrue(event.get("wallTime").isDateTime(), event.toJson());
        long wallTime = event.getDateTime("wallTime").getValue();
        assertTrue(Math.abs(wallTime - System.currentTimeMillis()) < 60_000, "wallTime is now: " + event.toJson());
    }

    @Test
    void insertEventCarriesTheDocumentAndItsKey() {
        try (var stream = open(collection.watch())) {
            collection.insertOne(new Document("_id", "u1").append("name", "Ada").append("age", 36));
            BsonDocument event = next(stream);
            assertHeader(event, "insert");
            assertEquals(List.of("_id", "operationType", "clusterTime", "wallTime", "fullDocument", "ns", "documentKey"),
                fieldNames(event));
            assertEquals(BsonDocument.parse("{_id: 'u1', name: 'Ada', age: 36}"), event.getDocument("fullDocument"));
            assertEquals(BsonDocument.parse("{_id: 'u1'}"), event.getDocument("documentKey"));
            assertNamespace(event, "users");
        }
    }

    @Test
    void updateEventDescribesTheChangeAndHasNoFullDocumentByDefault() {
        collection.insertOne(Document.parse("{_id: 1, name: 'Ada', email: 'a@x', visits: 1, address: {city: 'Paris', zip: '75001'},"
            + " tags: ['a', 'b'], scores: [1, 2, 3]}"));
        try (var stream = open(collection.watch())) {
            collection.updateOne(Filters.eq("_id", 1), Updates.combine(
                Updates.set("name", "Ada L."), Updates.unset("email"), Updates.inc("visits", 1),
                Updates.set("address.city", "London"), Updates.push("tags", "c"), Updates.popLast("scores")));
            BsonDocument event = next(stream);
            assertHeader(event, "update");
            assertEquals(List.of("_id", "operationType", "clusterTime", "wallTime", "ns", "documentKey", "updateDescription"),
                fieldNames(event));
            assertEquals(BsonDocument.parse("{_id: 1}"), event.getDocument("documentKey"));
            BsonDocument description = event.getDocument("updateDescription");
            assertEquals(BsonDocument.parse("{name: 'Ada L.', visits: 2, 'address.city': 'London', 'tags.2': 'c'}"),
                description.getDocument("updatedFields"));
            assertEquals(new BsonArray(List.of(new BsonString("email"))), description.getArray("removedFields"));
            assertEquals(BsonArray.parse("[{field: 'scores', newSize: 2}]"), description.getArray("truncatedArrays"));
        }
    }

    @Test
    void setOfAWholeSubdocumentIsReportedAsAWhole() {
        collection.insertOne(Document.parse("{_id: 1, address: {city: 'Paris', zip: '75001'}}"));
        try (var stream = open(collection.watch())) {
            collection.updateOne(Filters.eq("_id", 1), Updates.set("address", new Document("city", "Oslo").append("zip", "75001")));
            BsonDocument description = next(stream).getDocument("updateDescription");
            assertEquals(BsonDocument.parse("{address: {city: 'Oslo', zip: '75001'}}"), description.getDocument("updatedFields"));
        }
    }

    @Test
    void updateLookupAddsTheCurrentDocument() {
        collection.insertOne(new Document("_id", 7).append("n", 1));
        try (var stream = open(collection.watch().fullDocument(FullDocument.UPDATE_LOOKUP))) {
            collection.updateOne(Filters.eq("_id", 7), Updates.set("n", 2));
            BsonDocument event = next(stream);
            assertEquals(List.of("_id", "operationType", "clusterTime", "wallTime", "fullDocument", "ns", "documentKey",
                "updateDescription"), fieldNames(event));
            assertEquals(BsonDocument.parse("{_id: 7, n: 2}"), event.getDocument("fullDocument"));
        }
    }

    @Test
    void updateLookupOfADocumentDeletedSinceGivesNull() {
        collection.insertOne(new Document("_id", 8).append("n", 1));
        try (var stream = open(collection.watch().fullDocument(FullDocument.UPDATE_LOOKUP))) {
            collection.updateOne(Filters.eq("_id", 8), Updates.set("n", 2));
            collection.deleteOne(Filters.eq("_id", 8));
            List<BsonDocument> events = next(stream, 2);
            assertTrue(events.get(0).isNull("fullDocument"), events.get(0).toJson());
            assertEquals("delete", events.get(1).getString("operationType").getValue());
        }
    }

    @Test
    void replaceEventCarriesTheNewDocument() {
        collection.insertOne(new Document("_id", 2).append("name", "old").append("gone", true));
        try (var stream = open(collection.watch())) {
            collection.replaceOne(Filters.eq("_id", 2), new Document("name", "new"));
            BsonDocument event = next(stream);
            assertHeader(event, "replace");
            assertEquals(List.of("_id", "operationType", "clusterTime", "wallTime", "fullDocument", "ns", "documentKey"),
                fieldNames(event));
            assertEquals(BsonDocument.parse("{_id: 2, name: 'new'}"), event.getDocument("fullDocument"));
            assertEquals(BsonDocument.parse("{_id: 2}"), event.getDocument("documentKey"));
        }
    }

    @Test
    void deleteEventHasNoFullDocumentField() {
        collection.insertOne(new Document("_id", 3));
        try (var stream = open(collection.watch().fullDocument(FullDocument.UPDATE_LOOKUP))) {
            collection.deleteOne(Filters.eq("_id", 3));
            BsonDocument event = next(stream);
            assertHeader(event, "delete");
            assertEquals(List.of("_id", "operationType", "clusterTime", "wallTime", "ns", "documentKey"), fieldNames(event));
            assertFalse(event.containsKey("fullDocument"));
            assertEquals(BsonDocument.parse("{_id: 3}"), event.getDocument("documentKey"));
        }
    }

    @Test
    void findOneAndModifyOperationsEmitEvents() {
        collection.insertMany(List.of(new Document("_id", 1).append("n", 1), new Document("_id", 2).append("n", 1),
            new Document("_id", 3).append("n", 1)));
        try (var stream = open(collection.watch())) {
            collection.findOneAndUpdate(Filters.eq("_id", 1), Updates.set("n", 2));
            collection.findOneAndReplace(Filters.eq("_id", 2), new Document("n", 5));
            collection.findOneAndDelete(Filters.eq("_id", 3));
            List<BsonDocument> events = next(stream, 3);
            assertEquals("update", events.get(0).getString("operationType").getValue());
            assertEquals(BsonDocument.parse("{n: 2}"), events.get(0).getDocument("updateDescription").getDocument("updatedFields"));
            assertEquals("replace", events.get(1).getString("operationType").getValue());
            assertEquals(BsonDocument.parse("{_id: 2, n: 5}"), events.get(1).getDocument("fullDocument"));
            assertEquals("delete", events.get(2).getString("operationType").getValue());
            assertEquals(BsonDocument.parse("{_id: 3}"), events.get(2).getDocument("documentKey"));
            assertFalse(events.get(2).containsKey("fullDocument"));
        }
    }

    @Test
    void upsertsEmitInserts() {
        try (var stream = open(collection.watch())) {
            collection.updateOne(Filters.eq("_id", "a"), Updates.set("n", 1), new UpdateOptions().upsert(true));
            collection.replaceOne(Filters.eq("_id", "b"), new Document("n", 2), new ReplaceOptions().upsert(true));
            collection.findOneAndUpdate(Filters.eq("_id", "c"), Updates.set("n", 3),
                new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
            collection.findOneAndReplace(Filters.eq("_id", "d"), new Document("n", 4), new FindOneAndReplaceOptions().upsert(true));
            List<BsonDocument> events = next(stream, 4);
            String[] ids = {"a", "b", "c", "d"};
            for (int i = 0; i < ids.length; i++) {
                assertEquals("insert", events.get(i).getString("operationType").getValue(), events.get(i).toJson());
                assertEquals(new BsonDocument("_id", new BsonString(ids[i])), events.get(i).getDocument("documentKey"));
                assertEquals(new BsonInt32(i + 1), events.get(i).getDocument("fullDocument").get("n"));
            }
        }
    }

    @Test
    void multiDocumentWritesEmitOneEventPerDocumentInOrder() {
        try (var stream = open(collection.watch())) {
            List<Document> documents = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                documents.add(new Document("_id", i).append("group", "g"));
            }
            collection.insertMany(documents);
            collection.updateMany(Filters.eq("group", "g"), Updates.set("seen", true));
            collection.deleteMany(Filters.eq("group", "g"));
            List<BsonDocument> events = next(stream, 15);
            for (int i = 0; i < 15; i++) {
                String expected = i < 5 ? "insert" : i < 10 ? "update" : "delete";
                assertEquals(expected, events.get(i).getString("operationType").getValue());
                assertEquals(new BsonInt32(i % 5), events.get(i).getDocument("documentKey").get("_id"));
            }
        }
    }

    @Test
    void clusterTimesAndResumeTokensStrictlyIncrease() {
        try (var stream = open(collection.watch())) {
            for (int i = 0; i < 50; i++) {
                collection.insertOne(new Document("_id", i));
            }
            List<BsonDocument> events = next(stream, 50);
            for (int i = 1; i < events.size(); i++) {
                BsonTimestamp previous = events.get(i - 1).getTimestamp("clusterTime");
                BsonTimestamp current = events.get(i).getTimestamp("clusterTime");
                assertTrue(current.compareTo(previous) > 0, previous + " < " + current);
                String previousToken = events.get(i - 1).getDocument("_id").getString("_data").getValue();
                String currentToken = events.get(i).getDocument("_id").getString("_data").getValue();
                assertTrue(currentToken.compareTo(previousToken) > 0, previousToken + " < " + currentToken);
            }
        }
    }

    @Test
    void dropEmitsDropThenInvalidateAndClosesTheStream() {
        collection.insertOne(new Document("_id", 1));
        try (var stream = open(collection.watch())) {
            collection.drop();
            List<BsonDocument> events = next(stream, 2);
            assertHeader(events.get(0), "drop");
            assertEquals(List.of("_id", "operationType", "clusterTime", "wallTime", "ns"), fieldNames(events.get(0)));
            assertNamespace(events.get(0), "users");
            assertHeader(events.get(1), "invalidate");
            assertEquals(List.of("_id", "operationType", "clusterTime", "wallTime"), fieldNames(events.get(1)));
            assertNull(stream.getServerCursor(), "an invalidated stream is closed");
        }
    }

    @Test
    void renameEmitsRenameThenInvalidate() {
        collection.insertOne(new Document("_id", 1));
        try (var stream = open(collection.watch())) {
            collection.renameCollection(new com.mongodb.MongoNamespace(database.getName(), "people"));
            List<BsonDocument> events = next(stream, 2);
            assertHeader(events.get(0), "rename");
            assertNamespace(events.get(0), "users");
            assertEquals(new BsonDocument("db", new BsonString(database.getName())).append("coll", new BsonString("people")),
                events.get(0).getDocument("to"));
            assertHeader(events.get(1), "invalidate");
        }
        assertEquals(1, database.getCollection("people").countDocuments());
    }

    @Test
    void databaseStreamSeesAllItsCollectionsAndIsInvalidatedByDropDatabase() {
        try (var stream = open(database.watch())) {
            database.getCollection("a").insertOne(new Document("_id", 1));
            database.getCollection("b").insertOne(new Document("_id", 2));
            client.getDatabase("elsewhere" + NAMES.incrementAndGet()).getCollection("a").insertOne(new Document("_id", 3));
            List<BsonDocument> inserts = next(stream, 2);
            assertNamespace(inserts.get(0), "a");
            assertNamespace(inserts.get(1), "b");
            database.drop();
            List<BsonDocument> events = next(stream, 4);
            assertEquals(List.of("drop", "drop", "dropDatabase", "invalidate"),
                events.stream().map(event -> event.getString("operationType").getValue()).toList());
            assertEquals(new BsonDocument("db", new BsonString(database.getName())), events.get(2).getDocument("ns"));
        }
    }

    @Test
    void deploymentStreamSeesEveryDatabase() {
        MongoDatabase other = client.getDatabase("other" + NAMES.incrementAndGet());
        try (var stream = open(client.watch())) {
            collection.insertOne(new Document("_id", 1));
            other.getCollection("x").insertOne(new Document("_id", 2));
            List<BsonDocument> events = next(stream, 2);
            assertEquals(database.getName(), events.get(0).getDocument("ns").getString("db").getValue());
            assertEquals(other.getName(), events.get(1).getDocument("ns").getString("db").getValue());
        }
    }

    @Test
    void matchPipelinesFilterOnEventFields() {
        MongoCollection<Document> other = database.getCollection("other");
        var pipeline = List.of(Aggregates.match(Filters.and(
            Filters.in("operationType", "insert", "delete"), Filters.eq("ns.coll", "users"))));
        try (var stream = open(database.watch(pipeline))) {
            other.insertOne(new Document("_id", 1));
            collection.insertOne(new Document("_id", 2));
            collection.updateOne(Filters.eq("_id", 2), Updates.set("x", 1));
            collection.deleteOne(Filters.eq("_id", 2));
            List<BsonDocument> events = next(stream, 2);
            assertEquals("insert", events.get(0).getString("operationType").getValue());
            assertEquals("delete", events.get(1).getString("operationType").getValue());
        }
    }

    @Test
    void projectionsMayNotModifyTheResumeToken() {
        var pipeline = List.of(Aggregates.project(new Document("_id", 0)));
        try (var stream = open(collection.watch(pipeline))) {
            collection.insertOne(new Document("_id", 1));
            MongoCommandException error = assertThrows(MongoCommandException.class, () -> next(stream));
            assertEquals(280, error.getErrorCode());
        } catch (MongoCommandException e) {
            assertEquals(280, e.getErrorCode());
        }
    }

    @Test
    void stagesMongoDbForbidsAreRejected() {
        var pipeline = List.of(Aggregates.group("$operationType"));
        MongoCommandException error = assertThrows(MongoCommandException.class, () -> open(collection.watch(pipeline)));
        assertEquals(20, error.getErrorCode());
    }

    @Test
    void resumeAfterStartAfterAndStartAtOperationTime() {
        List<BsonDocument> events;
        try (var stream = open(collection.watch())) {
            for (int i = 0; i < 5; i++) {
                collection.insertOne(new Document("_id", i));
            }
            events = next(stream, 5);
        }
        BsonDocument secondToken = events.get(1).getDocument("_id");
        try (var resumed = open(collection.watch().resumeAfter(secondToken))) {
            assertEquals(List.of(2, 3, 4), ids(next(resumed, 3)));
        }
        try (var started = open(collection.watch().startAfter(secondToken))) {
            assertEquals(List.of(2, 3, 4), ids(next(started, 3)));
        }
        BsonTimestamp secondTime = events.get(1).getTimestamp("clusterTime");
        try (var atTime = open(collection.watch().startAtOperationTime(secondTime))) {
            assertEquals(List.of(1, 2, 3, 4), ids(next(atTime, 4)));
        }
    }

    @Test
    void aStreamStartedAfterAnInvalidateSeesTheRecreatedCollection() {
        collection.insertOne(new Document("_id", 1));
        BsonDocument invalidateToken;
        BsonDocument dropToken;
        try (var stream = open(collection.watch())) {
            collection.drop();
            List<BsonDocument> events = next(stream, 2);
            dropToken = events.get(0).getDocument("_id");
            invalidateToken = events.get(1).getDocument("_id");
        }
        MongoCommandException error = assertThrows(MongoCommandException.class,
            () -> open(collection.watch().resumeAfter(invalidateToken)));
        assertEquals(260, error.getErrorCode());
        try (var afterDrop = open(collection.watch().resumeAfter(dropToken))) {
            assertEquals("invalidate", next(afterDrop).getString("operationType").getValue());
        }
        try (var restarted = open(collection.watch().startAfter(invalidateToken))) {
            collection.insertOne(new Document("_id", 2));
            assertEquals(List.of(2), ids(next(restarted, 1)));
        }
    }

    @Test
    void aTokenThisServerNeverIssuedIsRejected() {
        BsonDocument garbage = new BsonDocument("_data", new BsonString("not-a-token"));
        MongoCommandException error = assertThrows(MongoCommandException.class, () -> open(collection.watch().resumeAfter(garbage)));
        assertEquals(9, error.getErrorCode());
    }

    @Test
    void fullDocumentBeforeChangeWhenAvailableIsNull() {
        collection.insertOne(new Document("_id", 1));
        try (var stream = open(collection.watch().fullDocumentBeforeChange(
            com.mongodb.client.model.changestream.FullDocumentBeforeChange.WHEN_AVAILABLE))) {
            collection.deleteOne(Filters.eq("_id", 1));
            BsonDocument event = next(stream);
            assertTrue(event.isNull("fullDocumentBeforeChange"), event.toJson());
        }
    }

    @Test
    void postBatchResumeTokenAdvancesPastOtherCollectionsWrites() {
        try (var stream = open(collection.watch())) {
            assertNull(stream.tryNext());
            BsonDocument initial = stream.getResumeToken();
            database.getCollection("unrelated").insertOne(new Document("_id", 1));
            long deadline = System.nanoTime() + ChangeStreams.PATIENCE.toNanos();
            while (stream.getResumeToken().equals(initial) && System.nanoTime() < deadline) {
                assertNull(stream.tryNext());
            }
            assertTrue(stream.getResumeToken().getString("_data").getValue()
                .compareTo(initial.getString("_data").getValue()) > 0);
        }
    }

    @Test
    void replicaSetMemberIdentity() {
        Document hello = client.getDatabase("admin").runCommand(new Document("hello", 1));
        assertEquals("rs0", hello.getString("setName"));
        assertEquals(true, hello.getBoolean("isWritablePrimary"));
        assertEquals(emulator.hostAndPort(), hello.getString("me"));
        assertEquals(List.of(emulator.hostAndPort()), hello.getList("hosts", String.class));
        Document status = client.getDatabase("admin").runCommand(new Document("replSetGetStatus", 1));
        assertEquals("PRIMARY", status.getList("members", Document.class).get(0).getString("stateStr"));
        assertTrue(Instant.now().isAfter(Instant.EPOCH));
    }

    private static List<Integer> ids(List<BsonDocument> events) {
        return events.stream().map(event -> event.getDocument("documentKey").getInt32("_id").getValue()).toList();
    }
}

package dev.mongorow.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;

/**
 * Ordered bulk writes stop at the first write error, as in MongoDB: the statements after it are not executed.
 * This is what mongo-kafka-connect's sink (bulk.write.ordered=true, replace by _id with upsert) relies on when
 * it reports the records behind a failed one as skipped.
 */
class OrderedWritesTest {

    private static ReplaceOneModel<Document> upsert(Object id, int v) {
        return new ReplaceOneModel<>(Filters.eq("_id", id), new Document("_id", id).append("v", v),
                new ReplaceOptions().upsert(true));
    }

    /** A replace by an _id of type array: MongoDB refuses it with error 53 (InvalidIdField). */
    private static ReplaceOneModel<Document> invalidId() {
        return upsert(List.of(1, 2), 0);
    }

    @Test
    void anOrderedBulkWriteStopsAtTheFirstWriteError() {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("ordered").getCollection("c");
            c.insertOne(new Document("_id", "existing").append("v", 0));
            List<WriteModel<Document>> batch = List.of(upsert("a", 1), upsert("existing", 2), invalidId(), upsert("b", 3),
                    upsert("existing", 4));

            MongoBulkWriteException e = assertThrows(MongoBulkWriteException.class, () -> c.bulkWrite(batch));
            assertEquals(1, e.getWriteErrors().size());
            assertEquals(2, e.getWriteErrors().get(0).getIndex(), "the index of the failed statement in the whole batch");
            assertEquals(53, e.getWriteErrors().get(0).getCode());
            BulkWriteResult result = e.getWriteResult();
            assertEquals(1, result.getUpserts().size());
            assertEquals(0, result.getUpserts().get(0).getIndex());
            assertEquals(1, result.getMatchedCount());
            assertEquals(1, result.getModifiedCount());

            assertEquals(1, c.find(Filters.eq("_id", "a")).first().getInteger("v"));
            assertEquals(2, c.find(Filters.eq("_id", "existing")).first().getInteger("v"), "not overwritten by statement 4");
            assertNull(c.find(Filters.eq("_id", "b")).first(), "statement 3 comes after the error: not executed");
        }
    }

    @Test
    void anUnorderedBulkWriteGoesOnAfterAWriteError() {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("unordered").getCollection("c");
            List<WriteModel<Document>> batch = List.of(upsert("a", 1), invalidId(), upsert("b", 3));

            MongoBulkWriteException e = assertThrows(MongoBulkWriteException.class,
                    () -> c.bulkWrite(batch, new BulkWriteOptions().ordered(false)));
            assertEquals(1, e.getWriteErrors().size());
            assertEquals(1, e.getWriteErrors().get(0).getIndex());
            assertEquals(2, e.getWriteResult().getUpserts().size());
            assertEquals(3, c.find(Filters.eq("_id", "b")).first().getInteger("v"));
        }
    }

    @Test
    void anOrderedBulkWriteWithoutErrorsWritesEverythingInOrder() {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("ordered").getCollection("c");
            BulkWriteResult result = c.bulkWrite(List.of(upsert("x", 1), upsert("x", 2), upsert("y", 1), upsert("x", 3)));
            assertEquals(2, result.getUpserts().size());
            assertEquals(0, result.getUpserts().get(0).getIndex());
            assertEquals(2, result.getUpserts().get(1).getIndex());
            assertEquals(2, result.getMatchedCount());
            assertEquals(3, c.find(Filters.eq("_id", "x")).first().getInteger("v"), "the last replace wins");
            assertTrue(result.wasAcknowledged());
        }
    }
}

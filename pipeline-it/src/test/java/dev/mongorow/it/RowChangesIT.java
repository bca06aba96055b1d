package dev.mongorow.it;

import static dev.mongorow.it.Documents.newUserId;
import static dev.mongorow.it.Documents.user;
import static dev.mongorow.it.Documents.userKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;

/** Each kind of change travels from the raw topic (or MongoDB itself) to the MySQL row. */
@ExtendWith(PipelineExtension.class)
class RowChangesIT {
    private static final Duration LANDING = Duration.ofSeconds(60);

    private static LocalDateTime utc(long millis) {
        return LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }

    @Test
    void insertUpdateReplaceDelete(Pipeline pipeline) {
        String id = newUserId();
        long birth = -1_196_280_000_123L; // before 1970, with milliseconds
        pipeline.produce("raw.users", userKey(id), user(id, "ray", "Elizabeth Ray", birth, "Liz@Example.com", true));
        Pipeline.await(LANDING, "insert of " + id + " in MySQL", () -> pipeline.mysqlRow("users", id) != null);
        Map<String, Object> row = pipeline.mysqlRow("users", id);
        assertEquals("ray", row.get("username"));
        assertEquals(utc(birth), row.get("birthdate"));
        assertEquals(true, row.get("active"));
        assertEquals("[1,2]", row.get("accounts"));
        assertEquals(64, ((String) row.get("email_hash")).length());

        // update inside MongoDB (an 'update' change event, read with updateLookup)
        pipeline.mongo().getCollection("users").updateOne(Filters.eq("_id", new ObjectId(id)),
                Updates.combine(Updates.set("name", "Elizabeth R."), Updates.set("active", false)));
        Pipeline.await(LANDING, "update of " + id, () -> "Elizabeth R.".equals(pipeline.mysqlRow("users", id).get("name")));
        assertEquals(false, pipeline.mysqlRow("users", id).get("active"));

        // replace through the raw topic (the MongoDB sink replaces by _id): a field that disappears becomes NULL
        pipeline.produce("raw.users", userKey(id), "{\"_id\": {\"$oid\": \"" + id + "\"}, \"username\": \"ray2\", "
                + "\"name\": \"Liz Ray\"}");
        Pipeline.await(LANDING, "replace of " + id, () -> "ray2".equals(pipeline.mysqlRow("users", id).get("username")));
        row = pipeline.mysqlRow("users", id);
        assertNull(row.get("birthdate"));
        assertNull(row.get("email_hash"));
        assertEquals(false, row.get("active"), "the declared DEFAULT fills a missing field");

        // delete: a tombstone on the raw topic deletes the document, whose delete event deletes the row
        pipeline.produce("raw.users", userKey(id), null);
        Pipeline.await(LANDING, "delete of " + id, () -> pipeline.mysqlRow("users", id) == null);
        assertEquals(0, pipeline.mongo().getCollection("users").countDocuments(Filters.eq("_id", new ObjectId(id))));
    }

    @Test
    void deleteInsideMongoDb(Pipeline pipeline) {
        String id = newUserId();
        pipeline.produce("raw.users", userKey(id), user(id, "del", "To Delete", 0L, "d@example.com", true));
        Pipeline.await(LANDING, "insert of " + id, () -> pipeline.mysqlRow("users", id) != null);
        pipeline.mongo().getCollection("users").deleteOne(Filters.eq("_id", new ObjectId(id)));
        Pipeline.await(LANDING, "delete of " + id, () -> pipeline.mysqlRow("users", id) == null);
    }

    @Test
    void findOneAndReplaceInsideMongoDb(Pipeline pipeline) {
        String id = newUserId();
        pipeline.produce("raw.users", userKey(id), user(id, "far", "Before", 0L, "f@example.com", true));
        Pipeline.await(LANDING, "insert of " + id, () -> pipeline.mysqlRow("users", id) != null);
        pipeline.mongo().getCollection("users").findOneAndReplace(Filters.eq("_id", new ObjectId(id)),
                new Document("username", "far").append("name", "After"));
        Pipeline.await(LANDING, "replace of " + id, () -> "After".equals(pipeline.mysqlRow("users", id).get("name")));
    }

    @Test
    void transactionsKeepDecimalsAndDates(Pipeline pipeline) {
        String id = Documents.newTransactionId();
        long executed = Instant.parse("1969-12-31T23:59:59.250Z").toEpochMilli();
        pipeline.produce("raw.transactions", Documents.transactionKey(id),
                Documents.transaction(id, 371138L, 12, "101.123456", "1213.48", executed));
        Pipeline.await(LANDING, "transaction " + id, () -> pipeline.mysqlRow("transactions", id) != null);
        Map<String, Object> row = pipeline.mysqlRow("transactions", id);
        assertEquals(371138L, ((Number) row.get("account_id")).longValue());
        assertEquals(0, new BigDecimal("101.123456").compareTo((BigDecimal) row.get("price")));
        assertEquals(0, new BigDecimal("1213.48").compareTo((BigDecimal) row.get("total")));
        assertEquals(utc(executed), row.get("executed_at"));
        assertEquals(LocalDate.of(1969, 12, 31), row.get("trade_date"));
        assertEquals("USD", row.get("currency"));
        assertEquals("[\"it\"]", row.get("tags"));
    }
}

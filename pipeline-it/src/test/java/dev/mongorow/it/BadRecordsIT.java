package dev.mongorow.it;

import static dev.mongorow.it.Documents.newUserId;
import static dev.mongorow.it.Documents.user;
import static dev.mongorow.it.Documents.userKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad records land in a dead-letter topic with a readable reason, and the good records produced around them
 * still land in MySQL.
 */
@ExtendWith(PipelineExtension.class)
class BadRecordsIT {
    private static final Duration LANDING = Duration.ofSeconds(60);

    @Test
    void badRecordsAreDeadLetteredAndGoodOnesLand(Pipeline pipeline) {
        String before = newUserId();
        String notJson = newUserId();
        String noId = newUserId();
        String wrongType = newUserId();
        String after = newUserId();
        int mongoSinkLettersBefore = pipeline.deadLetters("dlq.mongo-sink").size();
        int mysqlSinkLettersBefore = pipeline.deadLetters("dlq.mysql-sink").size();

        pipeline.produce("raw.users", userKey(before), user(before, "before", "Good Before", 0L, "a@example.com", true));
        pipeline.produce("raw.users", userKey(notJson), "this is not JSON {");
        pipeline.produce("raw.users", "{\"name\": \"no id in the key\"}", "{\"username\": \"noid\", \"name\": \"" + noId + "\"}");
        pipeline.produce("raw.users", userKey(wrongType), "{\"_id\": {\"$oid\": \"" + wrongType + "\"}, \"username\": \"wrong\", "
                + "\"name\": \"Wrong Type\", \"birthdate\": \"the day before yesterday\"}");
        pipeline.produce("raw.users", userKey(after), user(after, "after", "Good After", 0L, "b@example.com", true));

        Pipeline.await(LANDING, "both good records in MySQL",
                () -> pipeline.mysqlRow("users", before) != null && pipeline.mysqlRow("users", after) != null);
        Pipeline.await(LANDING, "2 new dead letters from the MongoDB sink",
                () -> pipeline.deadLetters("dlq.mongo-sink").size() >= mongoSinkLettersBefore + 2);
        Pipeline.await(LANDING, "1 new dead letter from the MySQL sink",
                () -> pipeline.deadLetters("dlq.mysql-sink").size() >= mysqlSinkLettersBefore + 1);

        List<Pipeline.DeadLetter> mongoLetters = pipeline.deadLetters("dlq.mongo-sink");
        List<Pipeline.DeadLetter> fresh = mongoLetters.subList(mongoSinkLettersBefore, mongoLetters.size());
        assertEquals(2, fresh.size(), "exactly the two bad raw records: " + describe(fresh));
        Pipeline.DeadLetter letter = fresh.get(0);
        assertEquals("this is not JSON {", letter.value());
        assertEquals("raw.users", letter.headers().get("__connect.errors.topic"));
        assertNotNull(letter.headers().get("__connect.errors.offset"));
        assertNotNull(letter.reason(), "the reason travels in the headers: " + letter.headers());
        assertTrue(letter.reason().contains("Could not convert value") && letter.reason().contains("into a BsonDocument"),
                "the reason says the value is no document: " + letter.reason());
        Pipeline.DeadLetter missingId = fresh.get(1);
        assertTrue(missingId.value().contains(noId), "the record without an id: " + describe(fresh));
        assertEquals("raw.users", missingId.headers().get("__connect.errors.topic"));
        assertTrue(missingId.reason() != null && missingId.reason().contains("_id"),
                "the reason names the missing _id: " + missingId.reason());

        List<Pipeline.DeadLetter> mysqlLetters = pipeline.deadLetters("dlq.mysql-sink");
        Pipeline.DeadLetter wrong = mysqlLetters.get(mysqlLetters.size() - 1);
        assertEquals("mongo.pipeline.users", wrong.headers().get("__connect.errors.topic"));
        assertTrue(wrong.reason().contains("field 'birthdate': expected TIMESTAMP, got string \"the day before yesterday\""),
                wrong.reason());
        assertTrue(wrong.value().contains(wrongType), "the dead letter holds the original change event");
        assertEquals(null, pipeline.mysqlRow("users", wrongType));
        assertEquals(1, pipeline.mongo().getCollection("users").countDocuments(
                com.mongodb.client.model.Filters.eq("username", "wrong")), "MongoDB keeps the flexible document");
    }

    private static String describe(List<Pipeline.DeadLetter> letters) {
        return letters.stream().map(l -> l.value() + " <- " + l.reason()).collect(Collectors.joining("; "));
    }
}

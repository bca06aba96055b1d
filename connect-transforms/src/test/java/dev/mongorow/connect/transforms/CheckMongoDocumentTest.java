package dev.mongorow.connect.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;

class CheckMongoDocumentTest {
    private static final String TOPIC = "raw.transactions";
    private static final String KEY = "{\"_id\": \"tx-1\"}";
    private static final String DOC = "{\"_id\": \"tx-1\", \"amount\": {\"$numberInt\": \"5\"}, \"kind\": \"buy\"}";

    private static CheckMongoDocument<SinkRecord> check(String... props) {
        CheckMongoDocument<SinkRecord> t = new CheckMongoDocument<>();
        t.configure(Records.props(props));
        return t;
    }

    private static SinkRecord record(Object key, Object value) {
        return Records.record(TOPIC, key, value);
    }

    private static String refused(CheckMongoDocument<SinkRecord> t, Object key, Object value) {
        return assertThrows(DataException.class, () -> t.apply(record(key, value))).getMessage();
    }

    private static String nested(int levels) {
        // the document itself is level 1; each nested object adds one
        return "{\"_id\": \"deep\", \"n\": " + "{\"n\": ".repeat(levels - 2) + "{}" + "}".repeat(levels - 2) + "}";
    }

    @Test
    void deepKeysAndDeepShellSyntaxAreRefusedBeforeAnyRecursiveParser() {
        CheckMongoDocument<SinkRecord> t = check();
        String deepKey = "{\"_id\": " + "[".repeat(20_000) + "]".repeat(20_000) + "}";
        assertTrue(refused(t, deepKey, DOC).contains("key: nesting deeper than max.depth=180 levels"));
        String deepShell = "{_id: 'deep', n: " + "{n: ".repeat(20_000) + "1" + "}".repeat(20_001);
        assertTrue(refused(t, KEY, deepShell).contains("nesting deeper than max.depth=180 levels"));
    }

    @Test
    void bracketsInsideStringsDoNotCount() {
        String brackets = "{\"a\": \"" + "{[".repeat(500) + "\", \"b\": '\\' {{{{ [[[[ '}";
        assertEquals(false, CheckMongoDocument.deeperThan(brackets, 2));
        assertEquals(true, CheckMongoDocument.deeperThan("{\"a\": [[1]]}", 2));
    }

    @Test
    void whatMongoDbStoresPassesUnchanged() {
        CheckMongoDocument<SinkRecord> t = check();
        for (Object[] kv : new Object[][] {
            {KEY, DOC},
            {"{\"_id\": {\"$oid\": \"5ca4bbcea2dd94ee58162a68\"}}", "{\"name\": \"x\", \"birthdate\": {\"$date\": {\"$numberLong\": \"0\"}}}"},
            {"{\"_id\": {\"a\": 1, \"b\": [1, 2]}}", "{\"nested\": {\"$dollar\": \"allowed below the top level\"}}"},
            {KEY, null},                                  // a tombstone: the sink deletes by the key
            {KEY, "not JSON at all {"},                   // the sink dead-letters these itself, record by record
            {KEY, "[1, 2, 3]"},
            {"{\"no_id\": 1}", DOC},
            {null, DOC},
            {KEY, "{\"a\": ObjectId(\"5ca4bbcea2dd94ee58162a68\")}"}, // shell syntax, which the sink's parser reads
            {KEY, nested(180)},
        }) {
            SinkRecord in = record(kv[0], kv[1]);
            assertSame(in, t.apply(in), "unchanged: " + kv[0] + " / " + kv[1]);
        }
    }

    @Test
    void anIdMongoDbRefusesIsRefusedWithTheRecordsCoordinates() {
        CheckMongoDocument<SinkRecord> t = check();
        assertEquals("CheckMongoDocument failed on record [topic=raw.transactions partition=3 offset=42]: key: _id is an "
                + "array, which MongoDB refuses as a document id: {\"_id\": [1, 2]}", refused(t, "{\"_id\": [1, 2]}", DOC));
        assertTrue(refused(t, "{\"_id\": {\"$regularExpression\": {\"pattern\": \"^a\", \"options\": \"\"}}}", DOC)
                .contains("_id is a regular expression"));
        assertTrue(refused(t, "{\"_id\": {\"$undefined\": true}}", DOC).contains("_id is undefined"));
        assertTrue(refused(t, "{\"_id\": {\"a\": {\"$b\": 1}}}", DOC).contains("_id holds a field starting with '$' ('a.$b')"));
        assertTrue(refused(t, "{\"_id\": [1]}", null).contains("_id is an array"), "a tombstone is checked too");
    }

    @Test
    void aDocumentMongoDbOrItsDriverRefusesIsRefused() {
        CheckMongoDocument<SinkRecord> t = check();
        assertTrue(refused(t, KEY, "{\"_id\": \"tx-1\", \"$set\": {\"kind\": \"sell\"}}")
                .endsWith("top-level field '$set' starts with '$', which MongoDB refuses in a replacement document"));
        assertTrue(refused(t, KEY, "{\"_id\": \"tx-1\", \"a\": {\"b\\u0000c\": 1}}")
                .endsWith("field name 'b\\u0000c' holds a NUL character, which BSON cannot store"));
        assertTrue(refused(t, KEY, nested(181))
                .endsWith("nesting deeper than max.depth=180 levels (in field 'n'), which MongoDB refuses to store"));
        assertTrue(refused(check("max.depth", "100"), KEY, nested(101)).contains("nesting deeper than max.depth=100 levels"));
        SinkRecord hundred = record(KEY, nested(100));
        assertSame(hundred, check("max.depth", "100").apply(hundred));
        assertTrue(refused(t, KEY, "{\"a\": " + "[".repeat(200) + "]".repeat(200) + "}").contains("nesting deeper"),
                "arrays count as levels too");
    }

    @Test
    void sizeIsMeasuredAsBsonWhereTheTextCouldExceedTheLimit() {
        CheckMongoDocument<SinkRecord> t = check();
        // 10 MiB of text: 10 MiB of BSON, accepted
        String tenMegabytes = "{\"_id\": \"big\", \"blob\": \"" + "x".repeat(10 * 1024 * 1024) + "\"}";
        assertSame(tenMegabytes, t.apply(record(KEY, tenMegabytes)).value());
        // 17 MiB of text: refused
        String seventeen = "{\"_id\": \"big\", \"blob\": \"" + "x".repeat(17 * 1024 * 1024) + "\"}";
        assertTrue(refused(t, KEY, seventeen).contains("bytes as BSON, above max.bson.bytes=16777216 (MongoDB's document size limit)"));
        // 3 MiB of text that is 18 MiB of BSON (an array of small numbers: each element takes a type byte, its index
        // as a C string and four bytes): refused, by its BSON size
        StringBuilder ones = new StringBuilder("{\"_id\": \"ones\", \"a\": [1");
        ones.append(",1".repeat(1_500_000)).append("]}");
        int bson = new RawBsonDocument(BsonDocument.parse(ones.toString()), new BsonDocumentCodec()).getByteBuffer().remaining();
        assertTrue(ones.length() < 4 * 1024 * 1024 && bson > 16 * 1024 * 1024, ones.length() + " chars, " + bson + " bytes");
        assertTrue(refused(t, KEY, ones.toString()).contains(bson + " bytes as BSON"));
        assertSame(record(KEY, DOC).value(), check("max.bson.bytes", "1024").apply(record(KEY, DOC)).value());
    }

    @Test
    void configIsValidated() {
        assertThrows(ConfigException.class, () -> check("max.depth", "1"));
        assertThrows(ConfigException.class, () -> check("max.bson.bytes", "10"));
        assertEquals(180, CheckMongoDocument.CONFIG_DEF.defaultValues().get("max.depth"));
        assertTrue(!new CheckMongoDocument<SinkRecord>().version().isBlank());
    }
}

package dev.mongorow.connect.transforms.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.errors.DataException;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExtendedJsonTest {

    private static Map<String, Object> parse(String json) {
        return ExtendedJson.parseDocument(json, Limits.DEFAULT);
    }

    @Test
    void canonicalExtendedJsonDecodesEveryType() {
        Map<String, Object> doc = parse("{"
                + "\"oid\": {\"$oid\": \"5ca4bbcea2dd94ee58162a68\"},"
                + "\"date\": {\"$date\": {\"$numberLong\": \"226117231000\"}},"
                + "\"old\": {\"$date\": {\"$numberLong\": \"-1196280000000\"}},"
                + "\"i\": {\"$numberInt\": \"42\"},"
                + "\"l\": {\"$numberLong\": \"9007199254740993\"},"
                + "\"d\": {\"$numberDouble\": \"1.5\"},"
                + "\"dec\": {\"$numberDecimal\": \"1234.5600\"},"
                + "\"bin\": {\"$binary\": {\"base64\": \"AQID\", \"subType\": \"00\"}},"
                + "\"uuid\": {\"$binary\": {\"base64\": \"c3jSFPG3SrWsyY9Ta/4nTA==\", \"subType\": \"04\"}},"
                + "\"ts\": {\"$timestamp\": {\"t\": 1, \"i\": 2}},"
                + "\"re\": {\"$regularExpression\": {\"pattern\": \"^a\", \"options\": \"i\"}},"
                + "\"n\": null, \"b\": true, \"s\": \"text\", \"arr\": [1, \"x\", {\"k\": 1}]}");
        assertEquals("5ca4bbcea2dd94ee58162a68", doc.get("oid"));
        assertEquals(new Date(226117231000L), doc.get("date"));
        assertEquals(Instant.parse("1932-02-04T04:00:00Z"), ((Date) doc.get("old")).toInstant());
        assertEquals(42, doc.get("i"));
        assertEquals(9007199254740993L, doc.get("l"));
        assertEquals(1.5, doc.get("d"));
        assertEquals(new BigDecimal("1234.5600"), doc.get("dec"));
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) doc.get("bin"));
        assertEquals("7378d214-f1b7-4ab5-acc9-8f536bfe274c", doc.get("uuid"));
        assertEquals((1L << 32) | 2L, doc.get("ts"));
        assertEquals("/^a/i", doc.get("re"));
        assertTrue(doc.containsKey("n"));
        assertNull(doc.get("n"));
        assertEquals(true, doc.get("b"));
        assertEquals("text", doc.get("s"));
        assertEquals(List.of(1, "x", Map.of("k", 1)), doc.get("arr"));
    }

    /** What mongo-kafka-connect's ExtendedJson formatter publishes for an insert: read without the driver. */
    @Test
    void aChangeEventAsTheSourcePublishesItTakesTheFastPath() {
        String event = "{\"_id\": {\"_data\": \"8267A1B2C3000000012B022C0100296E5A1004\"}, \"operationType\": \"insert\", "
                + "\"clusterTime\": {\"$timestamp\": {\"t\": 1765000000, \"i\": 3}}, "
                + "\"wallTime\": {\"$date\": {\"$numberLong\": \"1765000000123\"}}, "
                + "\"fullDocument\": {\"_id\": {\"$oid\": \"5ca4bbcea2dd94ee58162a68\"}, \"n\": {\"$numberInt\": \"1\"}}, "
                + "\"ns\": {\"db\": \"pipeline\", \"coll\": \"users\"}, "
                + "\"documentKey\": {\"_id\": {\"$oid\": \"5ca4bbcea2dd94ee58162a68\"}}}";
        assertTrue(FastJson.accepts(event, Limits.DEFAULT));
        Map<String, Object> doc = parse(event);
        assertEquals(1765000000L << 32 | 3L, doc.get("clusterTime"));
        assertEquals(new Date(1765000000123L), doc.get("wallTime"));
        assertEquals(ExtendedJson.parseWithDriver(event, Limits.DEFAULT).toString(), doc.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"t\": 0, \"i\": 0}", "{\"t\": 4294967295, \"i\": 4294967295}",
        "{\"t\": 2147483648, \"i\": 1}", "{\"i\": 1, \"t\": 2}", "{\"t\": 4294967296, \"i\": 1}",
        "{\"t\": -1, \"i\": 1}"})
    void timestampsEqualTheDriversAtTheEdges(String timestamp) {
        String json = "{\"ts\": {\"$timestamp\": " + timestamp + "}}";
        assertEquals(ExtendedJson.parseWithDriver(json, Limits.DEFAULT), parse(json));
    }

    @Test
    void relaxedLegacyAndShellFormsGiveTheSameValues() {
        Map<String, Object> relaxed = parse("{\"d\": {\"$date\": \"1977-03-02T02:20:31Z\"}, \"l\": 5, \"x\": 2.5}");
        Map<String, Object> legacy = parse("{\"d\": {\"$date\": 226117231000}, \"l\": {\"$numberLong\": \"5\"}, "
                + "\"b\": {\"$binary\": \"AQID\", \"$type\": \"00\"}}");
        Map<String, Object> shell = parse("{\"d\": ISODate(\"1977-03-02T02:20:31Z\"), "
                + "\"o\": ObjectId(\"5ca4bbcea2dd94ee58162a68\"), \"l\": NumberLong(5)}");
        Date expected = new Date(226117231000L);
        assertEquals(expected, relaxed.get("d"));
        assertEquals(expected, legacy.get("d"));
        assertEquals(expected, shell.get("d"));
        assertEquals(5L, legacy.get("l"));
        assertEquals(5L, shell.get("l"));
        assertEquals(5, relaxed.get("l"), "a plain JSON integer that fits is an int32, as in MongoDB");
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) legacy.get("b"));
        assertEquals("5ca4bbcea2dd94ee58162a68", shell.get("o"));
    }

    @Test
    void uuidWrapperAndNumberEdgeCases() {
        Map<String, Object> doc = parse("{\"u\": {\"$uuid\": \"7378d214-f1b7-4ab5-acc9-8f536bfe274c\"},"
                + "\"nan\": {\"$numberDecimal\": \"NaN\"}, \"inf\": {\"$numberDouble\": \"-Infinity\"}}");
        assertEquals("7378d214-f1b7-4ab5-acc9-8f536bfe274c", doc.get("u"));
        assertTrue(Double.isNaN((Double) doc.get("nan")));
        assertEquals(Double.NEGATIVE_INFINITY, doc.get("inf"));
    }

    @Test
    void bsonBytesAreReadAsBson() {
        BsonDocument source = new BsonDocument("_id", new BsonString("a"))
                .append("n", new BsonInt64(7)).append("b", new BsonBinary(new byte[] {9}));
        org.bson.ByteBuf buffer = new RawBsonDocument(source, new BsonDocumentCodec()).getByteBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        Map<String, Object> doc = ExtendedJson.parseDocument(bytes, Limits.DEFAULT);
        assertEquals("a", doc.get("_id"));
        assertEquals(7L, doc.get("n"));
        assertArrayEquals(new byte[] {9}, (byte[]) doc.get("b"));
    }

    @Test
    void utf8BytesAreReadAsJson() {
        Map<String, Object> doc = ExtendedJson.parseDocument("{\"name\": \"Zoë\"}".getBytes(StandardCharsets.UTF_8),
                Limits.DEFAULT);
        assertEquals("Zoë", doc.get("name"));
    }

    @Test
    void invalidUtf8IsReportedWithItsPosition() {
        byte[] bytes = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        DataException e = assertThrows(DataException.class, () -> ExtendedJson.parseDocument(bytes, Limits.DEFAULT));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{\"a\": ", "{\"a\" 1}", "{\"d\": {\"$date\": \"yesterday\"}}",
            "{\"o\": {\"$oid\": \"xyz\"}}"})
    void malformedJsonFailsWithDataException(String json) {
        DataException e = assertThrows(DataException.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith("not valid JSON") || e.getMessage().startsWith("expected a JSON object"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1, 2]", "\"text\"", "42", "   "})
    void aValueThatIsNotAnObjectIsNamed(String json) {
        DataException e = assertThrows(DataException.class, () -> parse(json));
        assertTrue(e.getMessage().contains("expected a JSON object") || e.getMessage().contains("not valid JSON"),
                e.getMessage());
    }

    @Test
    void nestingBeyondTheLimitFailsWithThePath() {
        String deep = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        DataException e = assertThrows(DataException.class, () -> parse(deep));
        assertTrue(e.getMessage().contains("nesting deeper than max.depth=64"), e.getMessage());
        assertTrue(e.getMessage().contains("field 'a.a.a"), e.getMessage());
        // and within the limit it parses
        assertEquals(1, ExtendedJson.parseDocument(deep, new Limits(101, Limits.MAX_BYTES_DEFAULT)).size());
    }

    @Test
    void veryDeepInputNeverOverflowsTheStack() {
        String deep = "[".repeat(200_000);
        String json = "{\"a\":" + deep + "}";
        assertThrows(DataException.class, () -> parse(json));
    }

    @Test
    void oversizedInputIsRejectedBeforeParsing() {
        String big = "{\"s\": \"" + "x".repeat(2000) + "\"}";
        DataException e = assertThrows(DataException.class,
                () -> ExtendedJson.parseDocument(big, new Limits(64, 1000)));
        assertTrue(e.getMessage().contains("above max.bytes=1000"), e.getMessage());
    }

    @Test
    void unwrapDecodesWrappersFoundInParsedMaps() {
        assertEquals("5ca4bbcea2dd94ee58162a68", ExtendedJson.unwrap(Map.of("$oid", "5ca4bbcea2dd94ee58162a68")));
        assertEquals(new Date(-1000L), ExtendedJson.unwrap(Map.of("$date", Map.of("$numberLong", "-1000"))));
        assertEquals(new BigDecimal("1.10"), ExtendedJson.unwrap(Map.of("$numberDecimal", "1.10")));
        assertEquals(7L, ExtendedJson.unwrap(Map.of("$numberLong", "7")));
        Map<String, Object> plain = Map.of("city", "Oslo");
        assertTrue(plain == ExtendedJson.unwrap(plain), "non-wrappers are returned as they are");
        assertThrows(DataException.class, () -> ExtendedJson.unwrap(Map.of("$oid", "nope")));
    }
}

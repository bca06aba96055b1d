package dev.mongorow.connect.transforms;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.junit.jupiter.api.Test;

import dev.mongorow.connect.transforms.internal.ExtendedJson;
import dev.mongorow.connect.transforms.internal.Limits;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * 100,000 generated change events (random nesting, types, sizes, every Extended JSON form, and corrupted
 * variants) through every transform. The only allowed outcomes are a valid record, a dropped record, or a
 * DataException of ours with a reason; anything else (NPE, ClassCastException, StackOverflowError, an
 * "unexpected" wrapped exception) fails the test with the seed and the input.
 */
class RandomizedDocumentsTest {
    private static final int DOCUMENTS = 100_000;
    private static final long SEED = Long.getLong("randomized.seed", 20261128L);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] FIELDS = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "nested", "list"};

    @Test
    void onlyRecordsOrDataExceptionsComeOut() throws Exception {
        Random random = new Random(SEED);
        List<Transformation<SinkRecord>> toRowChain = chain(
                configured(new ChangeEventToRow<>(), "metadata.fields", "operation,cluster_time,wall_time,namespace",
                        "delete.handling.mode", "soft", "max.depth", "40"),
                configured(new ProtectFields.Value<>(), "hmac.fields", "f0,nested.f1,list.f2", "hmac.secret",
                        "randomized-secret-0123456789", "mask.fields", "f3", "null.fields", "nested.nested"),
                configured(new ApplyTableSchema<>(), "table", "t", "topics", ".*", "columns",
                        "id STRING(64) NOT NULL, f0 STRING(80), f1 INT32, f2 INT64, f3 FLOAT64, f4 BOOLEAN, "
                        + "f5 DECIMAL(20,4), f6 TIMESTAMP, f7 DATE, deep STRING FROM nested.f1, list JSON, nested JSON, "
                        + "first INT64 FROM list.0, __deleted BOOLEAN DEFAULT false", "max.bytes", "200000"));
        List<Transformation<SinkRecord>> flattenChain = chain(
                configured(new ChangeEventToRow<>(), "other.operations", "fail"),
                configured(new FlattenDocument.Value<>(), "flatten.depth", "5", "name.max.length", "32"));

        // the MongoDB sink's side: raw records as text, the generated text as value and, inside {"_id": ...}, as key
        CheckMongoDocument<SinkRecord> check = configured(new CheckMongoDocument<>());
        dev.mongorow.connect.transforms.predicates.ChangeOperationIs<SinkRecord> isDelete =
                new dev.mongorow.connect.transforms.predicates.ChangeOperationIs<>();
        isDelete.configure(Map.of("operations", "delete,document"));

        int records = 0;
        int dataErrors = 0;
        int compared = 0;
        for (int i = 0; i < DOCUMENTS; i++) {
            Object value = input(random, i);
            if (value instanceof String) {
                compared += sameAsDriver((String) value, i) ? 1 : 0;
                SinkRecord raw = new SinkRecord("raw.t", 0, null, "{\"_id\": " + value + "}", null, value, i);
                try {
                    check.apply(raw);
                } catch (DataException e) {
                    if (!String.valueOf(e.getMessage()).startsWith("CheckMongoDocument failed on record [topic=raw.t partition=0 offset=" + i + "]")) {
                        fail("document " + i + " (seed " + SEED + "): CheckMongoDocument failed without a proper reason: "
                                + e.getMessage() + "\ninput: " + excerpt(value), e);
                    }
                } catch (Throwable t) {
                    fail("document " + i + " (seed " + SEED + ") escaped CheckMongoDocument as " + t + "\ninput: " + excerpt(value), t);
                }
            }
            try {
                isDelete.test(new SinkRecord("mongo.db.t", 0, null, null, null, value, i)); // a predicate never throws
            } catch (Throwable t) {
                fail("document " + i + " (seed " + SEED + ") made ChangeOperationIs throw " + t + "\ninput: " + excerpt(value), t);
            }
            for (List<Transformation<SinkRecord>> chain : List.of(toRowChain, flattenChain)) {
                SinkRecord record = new SinkRecord("mongo.db.t", 0, null, null, null, value, i);
                try {
                    for (Transformation<SinkRecord> transform : chain) {
                        record = transform.apply(record);
                        if (record == null) {
                            break;
                        }
                    }
                    if (record != null) {
                        if (record.valueSchema() != null) {
                            ConnectSchema.validateValue(record.valueSchema(), record.value());
                        }
                        ConnectSchema.validateValue(record.keySchema(), record.key());
                        records++;
                    }
                } catch (DataException e) {
                    dataErrors++;
                    String message = String.valueOf(e.getMessage());
                    if (message.contains(": unexpected ") || !message.contains("offset=" + i)) {
                        fail("document " + i + " (seed " + SEED + ") gave a DataException without a proper reason: "
                                + message + "\ninput: " + excerpt(value), e);
                    }
                } catch (Throwable t) {
                    fail("document " + i + " (seed " + SEED + ") escaped as " + t + "\ninput: " + excerpt(value), t);
                }
            }
        }
        assertTrue(compared > DOCUMENTS / 2, "fast path and driver compared on most inputs: " + compared);
        assertTrue(records > DOCUMENTS / 2, "most generated documents are valid and produce rows: " + records);
        assertTrue(dataErrors > DOCUMENTS / 20, "the generator also produces bad input: " + dataErrors);
    }

    /**
     * The fast JSON paths (from text and from UTF-8 bytes) must give exactly what the MongoDB driver's reader
     * gives: the same values when both accept the text, and a failure when the driver fails. Returns whether both
     * accepted it.
     */
    private static boolean sameAsDriver(String json, int i) {
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8); // as a sink reading with ByteArrayConverter gets it
        Map<String, Object> fast;
        Map<String, Object> driver;
        try {
            driver = ExtendedJson.parseWithDriver(json, Limits.DEFAULT);
        } catch (DataException e) {
            assertThrows(DataException.class, () -> ExtendedJson.parseDocument(json, Limits.DEFAULT),
                    "document " + i + ": the driver rejects it, so must we: " + excerpt(json));
            assertThrows(DataException.class, () -> ExtendedJson.parseDocument(utf8, Limits.DEFAULT),
                    "document " + i + ": the driver rejects it, so must the byte path: " + excerpt(json));
            return false;
        }
        fast = ExtendedJson.parseDocument(json, Limits.DEFAULT);
        if (!deepEquals(fast, driver)) {
            fail("document " + i + " (seed " + SEED + "): fast path " + fast + " differs from driver " + driver
                    + "\ninput: " + excerpt(json));
        }
        Map<String, Object> fromBytes = ExtendedJson.parseDocument(utf8, Limits.DEFAULT);
        if (!deepEquals(fromBytes, driver)) {
            fail("document " + i + " (seed " + SEED + "): byte path " + fromBytes + " differs from driver " + driver
                    + "\ninput: " + excerpt(json));
        }
        return true;
    }

    static boolean deepEquals(Object a, Object b) {
        if (a instanceof byte[] && b instanceof byte[]) {
            return java.util.Arrays.equals((byte[]) a, (byte[]) b);
        }
        if (a instanceof Map && b instanceof Map) {
            Map<?, ?> ma = (Map<?, ?>) a;
            Map<?, ?> mb = (Map<?, ?>) b;
            if (!List.copyOf(ma.keySet()).equals(List.copyOf(mb.keySet()))) {
                return false;
            }
            return ma.keySet().stream().allMatch(k -> deepEquals(ma.get(k), mb.get(k)));
        }
        if (a instanceof List && b instanceof List) {
            List<?> la = (List<?>) a;
            List<?> lb = (List<?>) b;
            if (la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!deepEquals(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return java.util.Objects.equals(a, b) && (a == null || a.getClass() == b.getClass());
    }

    @SafeVarargs
    private static List<Transformation<SinkRecord>> chain(Transformation<SinkRecord>... transforms) {
        return List.of(transforms);
    }

    private static <T extends Transformation<SinkRecord>> T configured(T transform, String... pairs) {
        transform.configure(Records.props(pairs));
        return transform;
    }

    private static String excerpt(Object value) {
        String text = value instanceof byte[] ? new String((byte[]) value, StandardCharsets.ISO_8859_1) : String.valueOf(value);
        return text.length() > 400 ? text.substring(0, 400) + "..." : text;
    }

    /** A change event in a random form: JSON text (often), BSON-ish bytes, a parsed map, or garbage. */
    private static Object input(Random random, int i) throws Exception {
        String event = event(random, i);
        int form = random.nextInt(100);
        if (form < 8) {
            return corrupt(random, event);
        }
        if (form < 14) {
            return event.getBytes(StandardCharsets.UTF_8);
        }
        if (form < 22) {
            try {
                return JSON.readValue(event, Map.class); // wrappers stay as {"$oid": ...} maps
            } catch (Exception notPlainJson) {
                return event; // shell forms such as ISODate(...) are not plain JSON
            }
        }
        return event;
    }

    private static String event(Random random, int i) {
        String operation = pick(random, "insert", "insert", "insert", "update", "replace", "delete", "drop", "invalidate");
        String id = idValue(random, i);
        StringBuilder event = new StringBuilder("{\"_id\": {\"_data\": \"").append(Integer.toHexString(i)).append("\"}");
        if (random.nextInt(50) != 0) {
            event.append(", \"operationType\": \"").append(operation).append('"');
        }
        event.append(", \"clusterTime\": {\"$timestamp\": {\"t\": ").append(1_700_000_000 + i).append(", \"i\": 1}}");
        event.append(", \"wallTime\": {\"$date\": ").append(random.nextInt(3) == 0 ? "\"2024-01-01T00:00:00Z\"" : "1704067200000").append('}');
        event.append(", \"ns\": {\"db\": \"db\", \"coll\": \"t\"}");
        if (random.nextInt(40) != 0) {
            event.append(", \"documentKey\": {\"_id\": ").append(id).append('}');
        }
        if (!operation.equals("delete") && random.nextInt(30) != 0) {
            event.append(", \"fullDocument\": ").append(random.nextInt(40) == 0 ? "null" : document(random, id, 0));
        }
        return event.append('}').toString();
    }

    private static String document(Random random, String id, int depth) {
        StringBuilder doc = new StringBuilder("{");
        if (id != null && random.nextInt(30) != 0) {
            doc.append("\"_id\": ").append(id);
        }
        int fields = random.nextInt(8);
        for (int f = 0; f < fields; f++) {
            if (doc.length() > 1) {
                doc.append(", ");
            }
            String name = random.nextInt(10) == 0 ? "x" + random.nextInt(5) + (random.nextBoolean() ? "-é.$" : "")
                    : FIELDS[random.nextInt(FIELDS.length)];
            doc.append(JSON_QUOTE(name)).append(": ").append(value(random, depth + 1));
        }
        return doc.append('}').toString();
    }

    private static String value(Random random, int depth) {
        int kind = random.nextInt(depth > 3 ? 24 : 30);
        if (random.nextInt(2000) == 0) {
            int levels = 45 + random.nextInt(20); // sometimes beyond max.depth
            return "{\"a\":".repeat(levels) + "1" + "}".repeat(levels);
        }
        switch (kind) {
            case 0: return "null";
            case 1: return random.nextBoolean() ? "true" : "false";
            case 2: return Integer.toString(random.nextInt());
            case 3: return Long.toString(random.nextLong());
            case 4: return Double.toString(random.nextDouble() * 1e6 - 5e5);
            case 5: return "{\"$numberInt\": \"" + random.nextInt() + "\"}";
            case 6: return "{\"$numberLong\": \"" + random.nextLong() + "\"}";
            case 7: return "{\"$numberDouble\": \"" + pick(random, "1.5", "NaN", "Infinity", "-0.0", "1e308") + "\"}";
            case 8: return "{\"$numberDecimal\": \"" + pick(random, "1234.5678", "-0.0001", "1E+30", "NaN", "99999999999999999.99999") + "\"}";
            case 9: return "{\"$date\": {\"$numberLong\": \"" + (random.nextLong() % 400_000_000_000_000L) + "\"}}";
            case 10: return "{\"$date\": \"" + pick(random, "1969-07-20T20:17:40Z", "2024-02-29T12:00:00.123Z", "0001-01-01T00:00:00Z") + "\"}";
            case 11: return "{\"$date\": " + (random.nextLong() % 100_000_000_000_000L) + "}";
            case 12: return "{\"$oid\": \"" + hex(random, 24) + "\"}";
            case 13: return "{\"$binary\": {\"base64\": \"AQIDBA==\", \"subType\": \"" + pick(random, "00", "04", "03", "80") + "\"}}";
            case 14: return "{\"$uuid\": \"" + java.util.UUID.nameUUIDFromBytes(hex(random, 8).getBytes(StandardCharsets.UTF_8)) + "\"}";
            case 15: return "{\"$binary\": \"AQID\", \"$type\": \"00\"}";
            case 16: return "\"" + "s".repeat(random.nextInt(random.nextInt(100) == 0 ? 300_000 : 100)) + "\"";
            case 17: return "\"" + pick(random, "2024-01-01", "2024-01-01 10:00:00", "12", "true", "x\\ny\\u00e9\\ud83d\\ude00", "1.25") + "\"";
            case 18: { // unsigned 32-bit halves, at and beyond their edges, in either order
                String t = pick(random, "5", "1700000000", "2147483647", "2147483648", "4294967295", "4294967296", "-1");
                String i = pick(random, "0", "6", "2147483648", "4294967295", "-2");
                return random.nextInt(4) == 0 ? "{\"$timestamp\": {\"i\": " + i + ", \"t\": " + t + "}}"
                        : "{\"$timestamp\": {\"t\": " + t + ", \"i\": " + i + "}}";
            }
            case 19: return "{\"$regularExpression\": {\"pattern\": \"a+\", \"options\": \"i\"}}";
            case 20: return "{\"$minKey\": 1}";
            case 21: return "ISODate(\"2020-01-01T00:00:00Z\")";
            case 22: return "NumberLong(" + random.nextInt() + ")";
            case 23: return "ObjectId(\"" + hex(random, 24) + "\")";
            case 24: case 25: case 26: return document(random, null, depth);
            default: {
                StringBuilder array = new StringBuilder("[");
                if (random.nextInt(100) == 0) { // a large array of numbers
                    for (int i = 0; i < 5000; i++) {
                        array.append(i == 0 ? "" : ",").append(i);
                    }
                    return array.append(']').toString();
                }
                int length = random.nextInt(6);
                for (int i = 0; i < length; i++) {
                    array.append(i == 0 ? "" : ",").append(value(random, depth + 1));
                }
                return array.append(']').toString();
            }
        }
    }

    private static String idValue(Random random, int i) {
        switch (random.nextInt(8)) {
            case 0: return Integer.toString(i);
            case 1: return "{\"$numberLong\": \"" + (1L << 40) + i + "\"}";
            case 2: return "\"user-" + i + "\"";
            case 3: return "{\"a\": " + i + ", \"b\": \"x\"}";
            case 4: return "{\"$uuid\": \"" + new java.util.UUID(i, i) + "\"}";
            case 5: return "null";
            default: return "{\"$oid\": \"" + String.format("%024x", i) + "\"}";
        }
    }

    private static Object corrupt(Random random, String event) {
        switch (random.nextInt(7)) {
            case 0: return event.substring(0, random.nextInt(event.length()));
            case 1: return "[" + event + "]";
            case 2: return "not json at all " + event;
            case 3: {
                byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
                bytes[random.nextInt(bytes.length)] = (byte) (0x80 | random.nextInt(0x40));
                return bytes;
            }
            case 4: return random.nextBoolean() ? (Object) random.nextLong() : (Object) List.of(1, 2);
            case 5: {
                Map<String, Object> map = new HashMap<>();
                map.put("operationType", random.nextBoolean() ? 5 : List.of("insert"));
                map.put("fullDocument", random.nextBoolean() ? "{broken" : new ArrayList<>());
                return map;
            }
            default: return event.replace("\"$oid\": \"", "\"$oid\": \"zz");
        }
    }

    private static String pick(Random random, String... options) {
        return options[random.nextInt(options.length)];
    }

    private static String hex(Random random, int length) {
        StringBuilder hex = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            hex.append(Character.forDigit(random.nextInt(16), 16));
        }
        return hex.toString();
    }

    @SuppressWarnings("checkstyle:MethodName")
    private static String JSON_QUOTE(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}

package dev.mongorow.connect.transforms.internal;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bson.types.Decimal128;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * The fast path of {@link ExtendedJson}: standard JSON read with Jackson's streaming parser, and the type
 * wrappers that make up nearly all real Extended JSON ($oid, $date, $numberInt, $numberLong, $numberDouble,
 * $numberDecimal, $timestamp) decoded directly. Every other wrapper, and any wrapper whose content is not in
 * the expected shape, is left to the MongoDB driver's reader, so results and error messages stay the driver's.
 * RandomizedDocumentsTest and FastJsonTest check that both paths give equal values.
 */
final class FastJson {
    /** Returned by {@link #decodeWrapper} when the wrapper is not one the fast path decodes. */
    static final Object NOT_DECODED = new Object();

    private static final JsonFactory JSON = JsonFactory.builder()
            // field names are not interned: documents keyed by generated ids (tier_and_details of the sample
            // customers) would fill the JVM's string table with names seen once, and cost a lookup each
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            // our own depth and size checks word the errors; lift Jackson's so they never fire first
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE).maxNumberLength(Integer.MAX_VALUE).build())
            .build();

    private FastJson() {
    }

    /** The parsed document, or null when the text is not a standard JSON object (the caller falls back). */
    static Map<String, Object> parseDocument(String json, Limits limits) {
        try (JsonParser parser = JSON.createParser(json)) {
            return readDocument(parser, limits);
        } catch (IOException | NotPlain e) {
            return null;
        }
    }

    /**
     * The document in UTF-8 JSON bytes, read by Jackson's byte parser without decoding them to a String first
     * (what a sink reading its values with ByteArrayConverter hands over); null when the bytes are not
     * well-formed UTF-8 (Jackson's parser would be lenient), start with a byte order mark, or are not a
     * standard JSON object: the caller then decodes them strictly and takes the text path, which words the error.
     */
    static Map<String, Object> parseDocument(byte[] json, Limits limits) {
        if (json.length > 0 && (json[0] & 0xFF) == 0xEF || !Utf8.isWellFormedWithoutNul(json)) {
            return null;
        }
        try (JsonParser parser = JSON.createParser(json)) {
            return readDocument(parser, limits);
        } catch (IOException | NotPlain e) {
            return null;
        }
    }

    private static Map<String, Object> readDocument(JsonParser parser, Limits limits) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        Map<String, Object> document = readObject(parser, limits, 1);
        if (parser.nextToken() != null) {
            return null; // trailing content: let the reference parser decide
        }
        return document;
    }

    private static Map<String, Object> readObject(JsonParser parser, Limits limits, int depth) throws IOException {
        if (depth > limits.maxDepth()) {
            throw new NotPlain(); // the reference parser reports the path of the offending field
        }
        return readFields(parser, new LinkedHashMap<>(), limits, depth);
    }

    /** Reads the remaining fields of an object whose opening brace (and maybe first fields) were consumed. */
    private static Map<String, Object> readFields(JsonParser parser, Map<String, Object> object, Limits limits,
                                                  int depth) throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            object.put(name, readValue(parser, parser.nextToken(), limits, depth));
        }
        if (token != JsonToken.END_OBJECT) {
            throw new NotPlain();
        }
        return object;
    }

    /**
     * Reads an object whose first key starts with '$' straight from the stream: the common one-key wrappers
     * are decoded without building a map; anything else (other '$' keys, other shapes) goes to the reference
     * parser, which also knows field names that merely start with '$'.
     */
    private static Object readWrapper(JsonParser parser, String name) throws IOException {
        JsonToken token = parser.nextToken();
        Object content;
        if (token == JsonToken.VALUE_STRING) {
            content = parser.getText();
        } else if (token == JsonToken.VALUE_NUMBER_INT && "$date".equals(name)
                && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            content = parser.getLongValue();
        } else if (token == JsonToken.START_OBJECT && "$timestamp".equals(name)) {
            // every change event carries one (clusterTime): without it here, each event would go to the driver
            return readTimestamp(parser);
        } else if (token == JsonToken.START_OBJECT && "$date".equals(name)) {
            if (parser.nextToken() != JsonToken.FIELD_NAME || !"$numberLong".equals(parser.currentName())
                    || parser.nextToken() != JsonToken.VALUE_STRING) {
                throw new NotPlain();
            }
            String millis = parser.getText();
            if (parser.nextToken() != JsonToken.END_OBJECT) {
                throw new NotPlain();
            }
            content = Map.of("$numberLong", millis);
        } else {
            throw new NotPlain();
        }
        if (parser.nextToken() != JsonToken.END_OBJECT) {
            throw new NotPlain(); // e.g. legacy {"$binary": ..., "$type": ...}
        }
        Object decoded = decodeWrapper(name, content);
        if (decoded == NOT_DECODED) {
            throw new NotPlain();
        }
        return decoded;
    }

    /**
     * {"$timestamp": {"t": seconds, "i": increment}} in the order the driver writes it, both unsigned 32-bit, as
     * the driver's {@code BsonTimestamp.getValue()}: seconds << 32 | increment. Other shapes go to the driver.
     */
    private static Object readTimestamp(JsonParser parser) throws IOException {
        long seconds = readUnsignedInt(parser, "t");
        long increment = readUnsignedInt(parser, "i");
        if (parser.nextToken() != JsonToken.END_OBJECT || parser.nextToken() != JsonToken.END_OBJECT) {
            throw new NotPlain();
        }
        return seconds << 32 | increment;
    }

    private static long readUnsignedInt(JsonParser parser, String name) throws IOException {
        if (parser.nextToken() != JsonToken.FIELD_NAME || !name.equals(parser.currentName())
                || parser.nextToken() != JsonToken.VALUE_NUMBER_INT
                || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new NotPlain();
        }
        long value = parser.getLongValue();
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new NotPlain();
        }
        return value;
    }

    private static Object readValue(JsonParser parser, JsonToken token, Limits limits, int depth) throws IOException {
        switch (token) {
            case START_OBJECT: {
                if (depth + 1 > limits.maxDepth()) {
                    throw new NotPlain();
                }
                JsonToken first = parser.nextToken();
                if (first == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    if (!name.isEmpty() && name.charAt(0) == '$') {
                        return readWrapper(parser, name);
                    }
                    Map<String, Object> object = new LinkedHashMap<>();
                    object.put(name, readValue(parser, parser.nextToken(), limits, depth + 1));
                    return readFields(parser, object, limits, depth + 1);
                }
                if (first != JsonToken.END_OBJECT) {
                    throw new NotPlain();
                }
                return new LinkedHashMap<String, Object>();
            }
            case START_ARRAY: {
                if (depth + 1 > limits.maxDepth()) {
                    throw new NotPlain();
                }
                List<Object> array = new ArrayList<>();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (next == null) {
                        throw new NotPlain();
                    }
                    array.add(readValue(parser, next, limits, depth + 1));
                }
                return array;
            }
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                switch (parser.getNumberType()) {
                    case INT:
                        return parser.getIntValue();
                    case LONG:
                        return parser.getLongValue();
                    default:
                        throw new NotPlain(); // beyond int64: as the driver decides
                }
            case VALUE_NUMBER_FLOAT:
                return parser.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new NotPlain();
        }
    }

    /**
     * Decodes the common single-key wrappers; returns {@link #NOT_DECODED} for anything else (other wrappers,
     * unexpected shapes, values the driver would reject), which then goes through the driver.
     */
    static Object decodeWrapper(Map<?, ?> wrapper) {
        if (wrapper.size() != 1) {
            return NOT_DECODED;
        }
        Map.Entry<?, ?> entry = wrapper.entrySet().iterator().next();
        return decodeWrapper((String) entry.getKey(), entry.getValue());
    }

    private static Object decodeWrapper(String key, Object content) {
        try {
            switch (key) {
                case "$oid":
                    return content instanceof String && isObjectIdHex((String) content)
                            ? lowerHex((String) content) : NOT_DECODED;
                case "$numberInt":
                    return content instanceof String && isPlainInteger((String) content)
                            ? Integer.parseInt((String) content) : NOT_DECODED;
                case "$numberLong":
                    return content instanceof String && isPlainInteger((String) content)
                            ? Long.parseLong((String) content) : NOT_DECODED;
                case "$numberDouble":
                    return content instanceof String ? parseDouble((String) content) : NOT_DECODED;
                case "$numberDecimal":
                    if (!(content instanceof String)) {
                        return NOT_DECODED;
                    }
                    Decimal128 decimal = Decimal128.parse((String) content);
                    return decimal.isNaN() || decimal.isInfinite() ? NOT_DECODED : decimal.bigDecimalValue();
                case "$date":
                    return date(content);
                default:
                    return NOT_DECODED;
            }
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            return NOT_DECODED;
        }
    }

    private static Object date(Object content) {
        if (content instanceof String) {
            return new Date(OffsetDateTime.parse((String) content).toInstant().toEpochMilli());
        }
        if (content instanceof Long || content instanceof Integer) {
            return new Date(((Number) content).longValue());
        }
        if (content instanceof Map && ((Map<?, ?>) content).size() == 1) {
            Object millis = ((Map<?, ?>) content).get("$numberLong");
            if (millis instanceof String && isPlainInteger((String) millis)) {
                return new Date(Long.parseLong((String) millis));
            }
        }
        return NOT_DECODED;
    }

    private static Object parseDouble(String text) {
        switch (text) {
            case "Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (!(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) {
                        return NOT_DECODED;
                    }
                }
                return text.isEmpty() ? NOT_DECODED : Double.parseDouble(text);
        }
    }

    private static boolean isObjectIdHex(String text) {
        if (text.length() != 24) {
            return false;
        }
        for (int i = 0; i < 24; i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** ObjectId hex as the driver prints it (lower case), without copying when it already is. */
    private static String lowerHex(String hex) {
        for (int i = 0; i < hex.length(); i++) {
            if (hex.charAt(i) >= 'A' && hex.charAt(i) <= 'F') {
                return hex.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return hex;
    }

    private static boolean isPlainInteger(String text) {
        int start = text.startsWith("-") ? 1 : 0;
        if (text.length() == start || text.length() > 20) {
            return false;
        }
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Signals that the text leaves standard JSON or the common wrappers: use the reference parser. */
    private static final class NotPlain extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotPlain() {
            super(null, null, false, false); // control flow only: no stack trace
        }
    }

    /** Visible for tests: whether the fast path accepts this text. */
    static boolean accepts(String json, Limits limits) {
        return parseDocument(json, limits) != null;
    }
}

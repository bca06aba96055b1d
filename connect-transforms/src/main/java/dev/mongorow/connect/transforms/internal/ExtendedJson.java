package dev.mongorow.connect.transforms.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.connect.errors.DataException;
import org.bson.BsonBinary;
import org.bson.BsonBinaryReader;
import org.bson.BsonBinarySubType;
import org.bson.BSONException;
import org.bson.BsonReader;
import org.bson.BsonRegularExpression;
import org.bson.BsonTimestamp;
import org.bson.BsonType;
import org.bson.UuidRepresentation;
import org.bson.json.JsonParseException;
import org.bson.json.JsonReader;
import org.bson.types.Decimal128;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads MongoDB documents, in every form mongo-kafka-connect can publish them, into plain Java values that
 * Kafka Connect accepts in schemaless records. Parsing is done by the MongoDB driver's own readers
 * ({@link JsonReader} understands canonical, relaxed, legacy strict and shell Extended JSON;
 * {@link BsonBinaryReader} reads raw BSON); this class only walks their tokens with depth and size limits.
 *
 * <p>Value mapping (the same for every input form):
 * <ul>
 * <li>ObjectId -> 24-character lowercase hex string; UUID (binary subtype 3 or 4) -> canonical UUID string</li>
 * <li>int32 -> Integer, int64 -> Long, double -> Double, Decimal128 -> BigDecimal (NaN and infinities -> Double)</li>
 * <li>date -> java.util.Date (any epoch, also before 1970); BSON timestamp -> Long (seconds << 32 | increment)</li>
 * <li>other binary -> byte[]; regex -> "/pattern/flags"; code and symbol -> their text; min/max key -> "MinKey"/"MaxKey"</li>
 * <li>document -> LinkedHashMap (field order kept); array -> ArrayList; null and undefined -> null</li>
 * </ul>
 */
public final class ExtendedJson {
    private static final ObjectMapper WRAPPER_WRITER = new ObjectMapper();

    /** Type wrappers of Extended JSON v2 and of the legacy (strict mode) format. */
    private static final Set<String> WRAPPER_KEYS = Set.of("$oid", "$date", "$numberInt", "$numberLong",
            "$numberDouble", "$numberDecimal", "$binary", "$uuid", "$timestamp", "$regularExpression", "$regex",
            "$symbol", "$code", "$minKey", "$maxKey", "$undefined", "$dbPointer");

    private ExtendedJson() {
    }

    /**
     * Parses a JSON object (any Extended JSON flavour) into a document. Standard JSON, which is what
     * mongo-kafka-connect publishes, takes a fast path (Jackson's streaming parser, with the common type
     * wrappers decoded directly); anything Jackson does not accept (shell syntax such as ISODate(...), or
     * malformed input) is parsed by the MongoDB driver's JsonReader, which also words the error.
     */
    public static Map<String, Object> parseDocument(String json, Limits limits) {
        if (json.length() > limits.maxBytes()) {
            throw new DataException("value is " + json.length() + " characters, above " + Limits.MAX_BYTES_CONFIG
                    + "=" + limits.maxBytes());
        }
        Map<String, Object> fast = FastJson.parseDocument(json, limits);
        return fast != null ? fast : parseWithDriver(json, limits);
    }

    /** The reference parser: the MongoDB driver's JsonReader (every Extended JSON flavour and shell syntax). */
    public static Map<String, Object> parseWithDriver(String json, Limits limits) {
        try (JsonReader reader = new JsonReader(json)) {
            BsonType type = reader.readBsonType();
            if (type != BsonType.DOCUMENT) {
                throw new DataException("expected a JSON object, got " + describeJsonStart(json));
            }
            return readDocument(reader, new PathStack(limits));
        } catch (JsonParseException | BSONException | IllegalArgumentException | IllegalStateException e) {
            throw new DataException("not valid JSON: " + RecordErrors.excerpt(String.valueOf(e.getMessage())), e);
        }
    }

    /**
     * Parses bytes: raw BSON when they are framed as a BSON document (little-endian length prefix equal to
     * the array length, trailing 0x00), otherwise strict UTF-8 JSON.
     */
    public static Map<String, Object> parseDocument(byte[] bytes, Limits limits) {
        if (bytes.length > limits.maxBytes()) {
            throw new DataException("value is " + bytes.length + " bytes, above " + Limits.MAX_BYTES_CONFIG + "="
                    + limits.maxBytes());
        }
        if (looksLikeBson(bytes)) {
            try (BsonBinaryReader reader = new BsonBinaryReader(ByteBuffer.wrap(bytes))) {
                return readDocument(reader, new PathStack(limits));
            } catch (BSONException | IllegalArgumentException | IllegalStateException e) {
                throw new DataException("not a valid BSON document: " + e.getMessage(), e);
            }
        }
        Map<String, Object> fast = FastJson.parseDocument(bytes, limits);
        return fast != null ? fast : parseDocument(decodeUtf8(bytes), limits);
    }

    /** True when {@code value} is a type wrapper such as {"$oid": ...} or {"$date": ...}. */
    public static boolean isWrapper(Map<?, ?> map) {
        int size = map.size();
        if (size == 0 || size > 2) {
            return false;
        }
        Object first = map.keySet().iterator().next();
        return first instanceof String && !((String) first).isEmpty() && ((String) first).charAt(0) == '$'
                && WRAPPER_KEYS.contains(first);
    }

    /**
     * Decodes an Extended JSON type wrapper found in an already parsed structure (for example a schemaless
     * record made by JsonConverter from canonical Extended JSON) into the same Java value that parsing the
     * JSON text would give. Any other value is returned as it is.
     */
    public static Object unwrap(Object value) {
        // strings, most values, are ruled out by their class first: a failed interface test (Map) costs a scan
        if (value instanceof String || !(value instanceof Map) || !isWrapper((Map<?, ?>) value)) {
            return value;
        }
        Object decoded = FastJson.decodeWrapper((Map<?, ?>) value);
        return decoded != FastJson.NOT_DECODED ? decoded : unwrapWithDriver(value);
    }

    /** The reference decoding of a wrapper: back to JSON text and through the driver's JsonReader. */
    static Object unwrapWithDriver(Object value) {
        String json;
        try {
            json = "{\"v\":" + WRAPPER_WRITER.writeValueAsString(value) + "}";
        } catch (JsonProcessingException e) {
            throw new DataException("invalid Extended JSON value " + RecordErrors.describe(value), e);
        }
        try (JsonReader reader = new JsonReader(json)) {
            reader.readStartDocument();
            reader.readBsonType();
            reader.readName();
            return readValue(reader, new PathStack(Limits.DEFAULT));
        } catch (JsonParseException | BSONException | IllegalArgumentException | IllegalStateException e) {
            throw new DataException("invalid Extended JSON value " + RecordErrors.describe(value) + ": "
                    + e.getMessage(), e);
        }
    }

    private static Map<String, Object> readDocument(BsonReader reader, PathStack path) {
        path.enter();
        reader.readStartDocument();
        Map<String, Object> document = new LinkedHashMap<>();
        while (reader.readBsonType() != BsonType.END_OF_DOCUMENT) {
            String name = reader.readName();
            path.name(name);
            document.put(name, readValue(reader, path));
        }
        reader.readEndDocument();
        path.exit();
        return document;
    }

    private static List<Object> readArray(BsonReader reader, PathStack path) {
        path.enter();
        reader.readStartArray();
        List<Object> array = new ArrayList<>();
        int index = 0;
        while (reader.readBsonType() != BsonType.END_OF_DOCUMENT) {
            path.index(index++);
            array.add(readValue(reader, path));
        }
        reader.readEndArray();
        path.exit();
        return array;
    }

    private static Object readValue(BsonReader reader, PathStack path) {
        BsonType type = reader.getCurrentBsonType();
        switch (type) {
            case DOCUMENT:
                return readDocument(reader, path);
            case ARRAY:
                return readArray(reader, path);
            case STRING:
                return reader.readString();
            case INT32:
                return reader.readInt32();
            case INT64:
                return reader.readInt64();
            case DOUBLE:
                return reader.readDouble();
            case BOOLEAN:
                return reader.readBoolean();
            case OBJECT_ID:
                return reader.readObjectId().toHexString();
            case DATE_TIME:
                return new Date(reader.readDateTime());
            case DECIMAL128:
                return decimal(reader.readDecimal128());
            case NULL:
                reader.readNull();
                return null;
            case UNDEFINED:
                reader.readUndefined();
                return null;
            case BINARY:
                return binary(reader.readBinaryData());
            case TIMESTAMP:
                BsonTimestamp timestamp = reader.readTimestamp();
                return timestamp.getValue();
            case REGULAR_EXPRESSION:
                BsonRegularExpression regex = reader.readRegularExpression();
                return "/" + regex.getPattern() + "/" + regex.getOptions();
            case SYMBOL:
                return reader.readSymbol();
            case JAVASCRIPT:
                return reader.readJavaScript();
            case JAVASCRIPT_WITH_SCOPE:
                String code = reader.readJavaScriptWithScope();
                reader.skipValue(); // the scope document
                return code;
            case MIN_KEY:
                reader.readMinKey();
                return "MinKey";
            case MAX_KEY:
                reader.readMaxKey();
                return "MaxKey";
            case DB_POINTER:
                return reader.readDBPointer().getNamespace();
            default:
                throw new DataException("field '" + path + "': unsupported BSON type " + type);
        }
    }

    private static Object decimal(Decimal128 value) {
        if (value.isNaN()) {
            return Double.NaN;
        }
        if (value.isInfinite()) {
            return value.isNegative() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return value.bigDecimalValue();
    }

    private static Object binary(BsonBinary binary) {
        byte subtype = binary.getType();
        if (binary.getData().length == 16) {
            if (subtype == BsonBinarySubType.UUID_STANDARD.getValue()) {
                return binary.asUuid(UuidRepresentation.STANDARD).toString();
            }
            if (subtype == BsonBinarySubType.UUID_LEGACY.getValue()) {
                return binary.asUuid(UuidRepresentation.JAVA_LEGACY).toString();
            }
        }
        return binary.getData();
    }

    private static boolean looksLikeBson(byte[] bytes) {
        if (bytes.length < 5 || bytes[bytes.length - 1] != 0) {
            return false;
        }
        int declared = ByteBuffer.wrap(bytes, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        return declared == bytes.length;
    }

    private static String decodeUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            CharBuffer chars = decoder.decode(in);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new DataException("value is not valid UTF-8 (near byte " + in.position() + " of " + bytes.length
                    + ")", e);
        }
    }

    private static String describeJsonStart(String json) {
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (!Character.isWhitespace(c)) {
                switch (c) {
                    case '[':
                        return "an array";
                    case '"':
                        return "a string";
                    default:
                        return "a scalar starting with " + RecordErrors.excerpt(json.substring(i, Math.min(json.length(), i + 20)));
                }
            }
        }
        return "an empty value";
    }

    /** Current field path while walking, kept cheaply (names only), printed on failure. */
    private static final class PathStack {
        private final Limits limits;
        private final Object[] names;
        private int depth;

        PathStack(Limits limits) {
            this.limits = limits;
            this.names = new Object[limits.maxDepth() + 2];
        }

        void enter() {
            depth++;
            if (depth > limits.maxDepth()) {
                limits.checkDepth(depth, toString());
            }
            names[depth] = null;
        }

        void exit() {
            depth--;
        }

        void name(String name) {
            names[depth] = name;
        }

        void index(int index) {
            names[depth] = index;
        }

        @Override
        public String toString() {
            StringBuilder path = new StringBuilder();
            for (int i = 1; i <= Math.min(depth, names.length - 1); i++) {
                if (names[i] == null) {
                    continue;
                }
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(names[i]);
            }
            return path.length() == 0 ? "<root>" : path.toString();
        }
    }
}

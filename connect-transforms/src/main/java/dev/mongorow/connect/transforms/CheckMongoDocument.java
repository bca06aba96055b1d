package dev.mongorow.connect.transforms;

import java.io.IOException;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.util.SimpleConfig;
import org.bson.BsonDocument;
import org.bson.BsonType;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import dev.mongorow.connect.transforms.internal.RecordErrors;
import dev.mongorow.connect.transforms.internal.Version;

/**
 * In front of mongo-kafka-connect's MongoSinkConnector: fails, record by record, what MongoDB or its driver would
 * refuse at write time. See {@link #OVERVIEW_DOC}.
 */
public class CheckMongoDocument<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    public static final String OVERVIEW_DOC = "Put in front of mongo-kafka-connect's MongoSinkConnector (raw records: "
            + "key and value as JSON text). Fails with a DataException, record by record, what MongoDB or its Java "
            + "driver would refuse when the sink writes it: a key whose _id is an array, a regular expression or "
            + "undefined, or a document whose fields start with '$'; a value with a top-level field name starting "
            + "with '$' (a replacement document cannot hold one), a field name holding a NUL character, nesting "
            + "deeper than max.depth, or a document larger than max.bson.bytes as BSON. The sink writes ordered bulk "
            + "writes: a statement MongoDB refuses makes it dead-letter the records behind it in the batch, unwritten, "
            + "and a document the driver refuses before sending fails the whole batch (or the task). Checked here, "
            + "the bad record goes to the dead-letter topic alone, with its reason. Everything else passes "
            + "unchanged, including what the sink itself refuses record by record (text that is not a JSON object, "
            + "a key without _id).";

    public static final String MAX_DEPTH_CONFIG = "max.depth";
    public static final int MAX_DEPTH_DEFAULT = 180;
    private static final String MAX_DEPTH_DOC = "Deepest nesting of documents and arrays accepted, the document "
            + "itself being level 1: what the server stores, 180 levels by default (its maxBSONDepth parameter, 200, "
            + "less 20). Lower it with the server's parameter, or to MongoDB's documented limit of 100.";

    public static final String MAX_BSON_BYTES_CONFIG = "max.bson.bytes";
    public static final int MAX_BSON_BYTES_DEFAULT = 16 * 1024 * 1024;
    private static final String MAX_BSON_BYTES_DOC = "Largest document accepted, in bytes of BSON: MongoDB's "
            + "maxBsonObjectSize, 16 MiB. Only values whose JSON text could encode to more are encoded to measure.";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(MAX_DEPTH_CONFIG, ConfigDef.Type.INT, MAX_DEPTH_DEFAULT, ConfigDef.Range.between(2, 980),
                    ConfigDef.Importance.LOW, MAX_DEPTH_DOC)
            .define(MAX_BSON_BYTES_CONFIG, ConfigDef.Type.INT, MAX_BSON_BYTES_DEFAULT, ConfigDef.Range.atLeast(1024),
                    ConfigDef.Importance.LOW, MAX_BSON_BYTES_DOC);

    /**
     * BSON is at most this many times the JSON text it comes from: the worst case is an array of one-digit
     * numbers (2 characters each; in BSON a type byte, the index as a C string and a 4-byte int32, about 12).
     */
    private static final int BSON_PER_JSON_CHARACTER = 7;

    private static final JsonFactory JSON = JsonFactory.builder()
            // depth is ours to word; strings and numbers are bounded by the record size Kafka allows
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE).maxNumberLength(Integer.MAX_VALUE).build())
            .build();

    private int maxDepth;
    private int maxBsonBytes;

    @Override
    public void configure(Map<String, ?> props) {
        SimpleConfig config = new SimpleConfig(CONFIG_DEF, props);
        maxDepth = config.getInt(MAX_DEPTH_CONFIG);
        maxBsonBytes = config.getInt(MAX_BSON_BYTES_CONFIG);
    }

    @Override
    public R apply(R record) {
        try {
            if (record.key() instanceof String key) {
                checkKey(key);
            }
            if (record.value() instanceof String value) {
                checkValue(value);
            }
        } catch (DataException e) {
            throw RecordErrors.inRecord("CheckMongoDocument", record, e);
        }
        return record;
    }

    /** The _id MongoDB will be given: the key's, as mongo-kafka-connect's ProvidedInKeyStrategy takes it. */
    private void checkKey(String key) {
        // the sink parses the key recursively: too deep a key would be a StackOverflowError in its task, not a
        // dead letter, so it is refused here before anything parses it
        if (deeperThan(key, maxDepth)) {
            throw new DataException(tooDeep("key: ", "") + ": " + RecordErrors.excerpt(key));
        }
        BsonValue id;
        try {
            BsonDocument document = BsonDocument.parse(key);
            id = document.get("_id");
        } catch (RuntimeException e) {
            return; // not a JSON object: the sink dead-letters it itself, record by record
        }
        if (id == null || id.isNull()) {
            return; // no _id: the same
        }
        BsonType type = id.getBsonType();
        if (type == BsonType.ARRAY || type == BsonType.REGULAR_EXPRESSION || type == BsonType.UNDEFINED) {
            throw new DataException("key: _id is " + (type == BsonType.ARRAY ? "an array" : type == BsonType.UNDEFINED
                    ? "undefined" : "a regular expression") + ", which MongoDB refuses as a document id: "
                    + RecordErrors.excerpt(key));
        }
        if (type == BsonType.DOCUMENT) {
            String dollar = dollarField(id.asDocument());
            if (dollar != null) {
                throw new DataException("key: _id holds a field starting with '$' ('" + RecordErrors.excerpt(dollar)
                        + "'), which MongoDB refuses in a document id: " + RecordErrors.excerpt(key));
            }
        }
    }

    /** {@code <prefix>nesting deeper than max.depth=N levels<where>, which MongoDB refuses to store}. */
    private String tooDeep(String prefix, String where) {
        return prefix + "nesting deeper than " + MAX_DEPTH_CONFIG + "=" + maxDepth + " levels" + where
                + ", which MongoDB refuses to store";
    }

    /**
     * True if {@code text} opens more than {@code limit} documents or arrays at once, counting brackets outside
     * quoted strings (double or single quotes, as the relaxed JSON the MongoDB driver reads allows): a linear
     * scan that any text, valid JSON or not, survives.
     */
    static boolean deeperThan(String text, int limit) {
        int depth = 0;
        char quote = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '{' || c == '[') {
                if (++depth > limit) {
                    return true;
                }
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return false;
    }

    private static String dollarField(BsonDocument document) {
        for (Map.Entry<String, BsonValue> e : document.entrySet()) {
            if (e.getKey().startsWith("$")) {
                return e.getKey();
            }
            if (e.getValue().isDocument()) {
                String nested = dollarField(e.getValue().asDocument());
                if (nested != null) {
                    return e.getKey() + "." + nested;
                }
            }
        }
        return null;
    }

    private void checkValue(String value) {
        try (JsonParser parser = JSON.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return; // not a JSON object: the sink dead-letters it itself
            }
            int depth = 1;
            for (JsonToken token = parser.nextToken(); token != null && depth > 0; token = parser.nextToken()) {
                switch (token) {
                    case START_OBJECT, START_ARRAY -> {
                        depth++;
                        if (depth > maxDepth) {
                            String at = parser.currentName();
                            throw new DataException(tooDeep("", at == null ? "" : " (in field '" + RecordErrors.excerpt(at) + "')"));
                        }
                    }
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME -> {
                        String name = parser.currentName();
                        if (depth == 1 && name.startsWith("$")) {
                            throw new DataException("top-level field '" + RecordErrors.excerpt(name) + "' starts with '$',"
                                    + " which MongoDB refuses in a replacement document");
                        }
                        if (name.indexOf('\0') >= 0) {
                            throw new DataException("field name '" + RecordErrors.excerpt(name.replace("\0", "\\u0000"))
                                    + "' holds a NUL character, which BSON cannot store");
                        }
                    }
                    default -> {
                    }
                }
            }
        } catch (IOException e) {
            // not standard JSON (shell syntax, or broken): the sink parses or dead-letters it itself, provided
            // its recursive parser does not overflow the stack first
            if (deeperThan(value, maxDepth)) {
                throw new DataException(tooDeep("", ""));
            }
            return;
        }
        if ((long) value.length() * BSON_PER_JSON_CHARACTER > maxBsonBytes) {
            checkBsonSize(value);
        }
    }

    private void checkBsonSize(String value) {
        BsonDocument document;
        try {
            document = BsonDocument.parse(value);
        } catch (RuntimeException e) {
            return; // the sink's own parse will fail the same way, record by record
        }
        int size = new RawBsonDocument(document, new BsonDocumentCodec()).getByteBuffer().remaining();
        if (size > maxBsonBytes) {
            throw new DataException("document is " + size + " bytes as BSON, above " + MAX_BSON_BYTES_CONFIG + "="
                    + maxBsonBytes + " (MongoDB's document size limit)");
        }
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void close() {
    }
}

package dev.mongorow.connect.transforms.predicates;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.apache.kafka.connect.transforms.util.SimpleConfig;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.mongorow.connect.transforms.ChangeEventToRow;
import dev.mongorow.connect.transforms.internal.Version;

/**
 * Matches records by the MongoDB change operation they carry, so a transform can be applied (or a record
 * dropped with Kafka's Filter) for some operations only. See {@link #OVERVIEW_DOC}.
 */
public class ChangeOperationIs<R extends ConnectRecord<R>> implements Predicate<R>, Versioned {

    public static final String OVERVIEW_DOC = "True when the record's MongoDB change operation is one of "
            + "'operations'. The operation is read from the header set by ChangeEventToRow (operation.header), else "
            + "from the change event in the value (operationType of JSON text or UTF-8 JSON bytes, a map or a "
            + "struct; only the top level of JSON is scanned). A tombstone counts as 'delete'; a record that holds "
            + "a document but no operationType (publish.full.document.only=true) counts as 'document'.";

    public static final String OPERATIONS_CONFIG = "operations";
    private static final String OPERATIONS_DOC = "Operations that match: insert, update, replace, delete, drop, "
            + "rename, dropDatabase, invalidate, any other operationType MongoDB emits, or 'document' for records "
            + "without one.";
    public static final String HEADER_CONFIG = "header";
    private static final String HEADER_DOC = "Header holding the operation, as written by ChangeEventToRow.";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(OPERATIONS_CONFIG, ConfigDef.Type.LIST, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.Validator() {
                @Override
                public void ensureValid(String name, Object value) {
                    if (value == null || ((List<?>) value).isEmpty()) {
                        throw new ConfigException(name, value, "list at least one operation");
                    }
                }

                @Override
                public String toString() {
                    return "non-empty list of operation types";
                }
            }, ConfigDef.Importance.HIGH, OPERATIONS_DOC)
            .define(HEADER_CONFIG, ConfigDef.Type.STRING, ChangeEventToRow.OPERATION_HEADER_DEFAULT,
                    ConfigDef.Importance.LOW, HEADER_DOC);

    public static final String DOCUMENT = "document";
    private static final JsonFactory JSON = new JsonFactory();

    private Set<String> operations;
    private String header;

    @Override
    public void configure(Map<String, ?> props) {
        SimpleConfig config = new SimpleConfig(CONFIG_DEF, props);
        operations = new HashSet<>();
        for (String operation : config.getList(OPERATIONS_CONFIG)) {
            operations.add(operation.trim().toLowerCase(Locale.ROOT));
        }
        header = config.getString(HEADER_CONFIG);
    }

    @Override
    public boolean test(R record) {
        String operation = operation(record);
        return operation != null && operations.contains(operation.toLowerCase(Locale.ROOT));
    }

    /** The operation of a record, or null when it cannot be told (a value that is not a change event). */
    String operation(R record) {
        if (header != null && !header.isEmpty()) {
            Header last = record.headers().lastWithName(header);
            if (last != null && last.value() != null) {
                return last.value().toString();
            }
        }
        Object value = record.value();
        if (value == null) {
            return "delete";
        }
        if (value instanceof Map) {
            Object op = ((Map<?, ?>) value).get("operationType");
            return op == null ? DOCUMENT : op.toString();
        }
        if (value instanceof Struct) {
            Struct struct = (Struct) value;
            Field field = struct.schema().field("operationType");
            Object op = field == null ? null : struct.get(field);
            return op == null ? DOCUMENT : op.toString();
        }
        if (value instanceof String || value instanceof byte[]) { // bytes: as ByteArrayConverter hands them over
            return operationInJson(value);
        }
        return null;
    }

    /**
     * Scans the top level of a JSON object (text or UTF-8 bytes) for operationType, skipping nested values
     * without building them.
     */
    private static String operationInJson(Object json) {
        try (JsonParser parser = json instanceof String ? JSON.createParser((String) json)
                : JSON.createParser((byte[]) json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken token = parser.nextToken();
                if ("operationType".equals(name) && token == JsonToken.VALUE_STRING) {
                    return parser.getText();
                }
                parser.skipChildren();
            }
            return DOCUMENT;
        } catch (java.io.IOException e) {
            return null; // not JSON: ChangeEventToRow reports it with a reason; the predicate just does not match
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

package dev.mongorow.connect.transforms;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.util.SimpleConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.mongorow.connect.transforms.internal.Documents;
import dev.mongorow.connect.transforms.internal.ExtendedJson;
import dev.mongorow.connect.transforms.internal.JsonText;
import dev.mongorow.connect.transforms.internal.Limits;
import dev.mongorow.connect.transforms.internal.RecordErrors;
import dev.mongorow.connect.transforms.internal.RowView;
import dev.mongorow.connect.transforms.internal.Structs;
import dev.mongorow.connect.transforms.internal.Version;

/**
 * Turns a record published by mongo-kafka-connect's source connector into a row change: the key becomes a
 * Struct {@code {id}} holding the document's {@code _id} (with its type kept), the value becomes the document.
 * See {@link #OVERVIEW_DOC}.
 */
public class ChangeEventToRow<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    public static final String OVERVIEW_DOC = "Turns a MongoDB change event, as published by mongo-kafka-connect's "
            + "MongoSourceConnector, into a row change for a JDBC sink. Accepts the full change event as a JSON string "
            + "(canonical, relaxed or legacy Extended JSON), as its UTF-8 bytes (ByteArrayConverter: the fastest, "
            + "nothing decoded before the transform, the bytes checked strictly), as BSON bytes, as a schemaless map "
            + "or as a struct, records holding only the full document (publish.full.document.only=true), and "
            + "tombstones. "
            + "insert, update and replace events give key = Struct{id} and value = the document (schemaless, "
            + "with _id renamed to the key field); delete events give a tombstone with the same key, or a soft "
            + "delete flag, or nothing, by config; other events (drop, rename, dropDatabase, invalidate, ...) are "
            + "dropped or fail, by config. The id keeps its type: an ObjectId becomes its 24-character hex string, "
            + "numbers stay numbers. Follow it with ApplyTableSchema (declared, typed columns) or FlattenDocument.";

    public static final String KEY_FIELD_CONFIG = "key.field";
    private static final String KEY_FIELD_DOC = "Name of the id field in the key Struct and in the value "
            + "(the document's _id is renamed to it).";

    public static final String DELETE_HANDLING_CONFIG = "delete.handling.mode";
    public static final String DELETE_TOMBSTONE = "tombstone";
    public static final String DELETE_SOFT = "soft";
    public static final String DELETE_DROP = "drop";
    private static final String DELETE_HANDLING_DOC = "What a delete event becomes. 'tombstone': a record with "
            + "the key and a null value, so the sink deletes the row. 'soft': a value holding the pre-image when "
            + "the event carries one (fullDocumentBeforeChange), else only the id, with the soft delete field set "
            + "to true (every other row gets it set to false). 'drop': nothing.";

    public static final String DELETE_SOFT_FIELD_CONFIG = "delete.soft.field";
    private static final String DELETE_SOFT_FIELD_DOC = "Name of the boolean field that marks soft deletes.";

    public static final String OTHER_OPERATIONS_CONFIG = "other.operations";
    public static final String OTHER_DROP = "drop";
    public static final String OTHER_FAIL = "fail";
    private static final String OTHER_OPERATIONS_DOC = "What happens to change events that are not row changes "
            + "(drop, rename, dropDatabase, invalidate and any other operation type): 'drop' skips them with a log "
            + "line, 'fail' raises a DataException (so errors.tolerance decides).";

    public static final String METADATA_FIELDS_CONFIG = "metadata.fields";
    public static final String META_OPERATION = "operation";
    public static final String META_CLUSTER_TIME = "cluster_time";
    public static final String META_WALL_TIME = "wall_time";
    public static final String META_NAMESPACE = "namespace";
    public static final String META_DATABASE = "database";
    public static final String META_COLLECTION = "collection";
    private static final List<String> META_ALL = List.of(META_OPERATION, META_CLUSTER_TIME, META_WALL_TIME,
            META_NAMESPACE, META_DATABASE, META_COLLECTION);
    private static final String METADATA_FIELDS_DOC = "Change event metadata added to the value, each as the field "
            + "<prefix><name>: operation (insert, update, replace, delete), cluster_time (the BSON timestamp as a "
            + "64-bit number, seconds << 32 | increment, ordered like the oplog), wall_time (a timestamp), namespace "
            + "(db.collection), database, collection. Empty by default.";

    public static final String METADATA_PREFIX_CONFIG = "metadata.prefix";
    private static final String METADATA_PREFIX_DOC = "Prefix of the metadata field names.";

    public static final String OPERATION_HEADER_CONFIG = "operation.header";
    public static final String OPERATION_HEADER_DEFAULT = "mongodb.operation";
    private static final String OPERATION_HEADER_DOC = "Header that receives the operation type (insert, update, "
            + "replace, delete), read by the ChangeOperationIs predicate further down the chain. Empty: no header.";

    public static final ConfigDef CONFIG_DEF = Limits.define(new ConfigDef()
            .define(KEY_FIELD_CONFIG, ConfigDef.Type.STRING, "id", new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.MEDIUM, KEY_FIELD_DOC)
            .define(DELETE_HANDLING_CONFIG, ConfigDef.Type.STRING, DELETE_TOMBSTONE,
                    ConfigDef.ValidString.in(DELETE_TOMBSTONE, DELETE_SOFT, DELETE_DROP), ConfigDef.Importance.HIGH,
                    DELETE_HANDLING_DOC)
            .define(DELETE_SOFT_FIELD_CONFIG, ConfigDef.Type.STRING, "__deleted", new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.LOW, DELETE_SOFT_FIELD_DOC)
            .define(OTHER_OPERATIONS_CONFIG, ConfigDef.Type.STRING, OTHER_DROP,
                    ConfigDef.ValidString.in(OTHER_DROP, OTHER_FAIL), ConfigDef.Importance.MEDIUM, OTHER_OPERATIONS_DOC)
            .define(METADATA_FIELDS_CONFIG, ConfigDef.Type.LIST, "", ConfigDef.ValidList.in(
                    true, META_ALL.toArray(new String[0])), ConfigDef.Importance.LOW, METADATA_FIELDS_DOC)
            .define(METADATA_PREFIX_CONFIG, ConfigDef.Type.STRING, "__", ConfigDef.Importance.LOW, METADATA_PREFIX_DOC)
            .define(OPERATION_HEADER_CONFIG, ConfigDef.Type.STRING, OPERATION_HEADER_DEFAULT, ConfigDef.Importance.LOW,
                    OPERATION_HEADER_DOC));

    private static final Logger LOG = LoggerFactory.getLogger(ChangeEventToRow.class);
    private static final String NAME = "ChangeEventToRow";

    private String keyField;
    private String deleteMode;
    private String softDeleteField;
    private boolean failOnOtherOperations;
    private List<String> metadataFields;
    private String metadataPrefix;
    private String operationHeader;
    private Limits limits;
    /** Key schemas by id kind (a handful: string, int32, int64, decimal per scale, ...). */
    private Cache<String, Schema> keySchemas;

    @Override
    public void configure(Map<String, ?> props) {
        SimpleConfig config = new SimpleConfig(CONFIG_DEF, props);
        keyField = config.getString(KEY_FIELD_CONFIG);
        deleteMode = config.getString(DELETE_HANDLING_CONFIG);
        softDeleteField = config.getString(DELETE_SOFT_FIELD_CONFIG);
        failOnOtherOperations = OTHER_FAIL.equals(config.getString(OTHER_OPERATIONS_CONFIG));
        metadataFields = config.getList(METADATA_FIELDS_CONFIG);
        metadataPrefix = config.getString(METADATA_PREFIX_CONFIG);
        operationHeader = config.getString(OPERATION_HEADER_CONFIG).trim();
        limits = Limits.from(config);
        keySchemas = new SynchronizedCache<>(new LRUCache<>(16));
        lastKeySchema = null;
        if (DELETE_SOFT.equals(deleteMode) && softDeleteField.equals(keyField)) {
            throw new ConfigException(DELETE_SOFT_FIELD_CONFIG, softDeleteField, "must differ from " + KEY_FIELD_CONFIG);
        }
    }

    @Override
    public R apply(R record) {
        try {
            return transform(record);
        } catch (DataException e) {
            throw RecordErrors.inRecord(NAME, record, e);
        } catch (RuntimeException e) {
            throw RecordErrors.inRecord(NAME, record, e);
        }
    }

    private R transform(R record) {
        if (record.value() == null) {
            return tombstoneFromKey(record);
        }
        Map<String, Object> event = Documents.asDocument(record.value(), limits, "record value");
        Object operationType = event.get("operationType");
        if (operationType == null) {
            // publish.full.document.only=true: the value is the document itself
            return upsert(record, event, null, event);
        }
        if (!(operationType instanceof String)) {
            throw new DataException("field 'operationType': expected a string, got "
                    + RecordErrors.describe(operationType));
        }
        String operation = (String) operationType;
        switch (operation) {
            case "insert":
            case "replace":
            case "update":
                return rowChange(record, event, operation);
            case "delete":
                return delete(record, event);
            default:
                return otherOperation(record, event, operation);
        }
    }

    private R rowChange(R record, Map<String, Object> event, String operation) {
        if (!event.containsKey("fullDocument")) {
            throw new DataException("field 'fullDocument': missing on a '" + operation + "' event; set "
                    + "change.stream.full.document=updateLookup on the MongoSourceConnector so updates carry the document");
        }
        Object fullDocument = event.get("fullDocument");
        if (fullDocument == null) {
            // updateLookup found no document: it was deleted after this update, and its delete event follows.
            LOG.debug("Skipping '{}' event of {} whose document no longer exists (a delete follows)", operation,
                    RecordErrors.coordinates(record));
            return null;
        }
        Map<String, Object> document = Documents.asDocument(fullDocument, limits, "field 'fullDocument'");
        return upsert(record, event, operation, document);
    }

    private R upsert(R record, Map<String, Object> event, String operation, Map<String, Object> document) {
        Object id = documentId(event, document);
        if (document.containsKey(keyField)) {
            throw new DataException("field '" + keyField + "': the document already has a field named like "
                    + KEY_FIELD_CONFIG + "; choose another " + KEY_FIELD_CONFIG);
        }
        Map<String, Object> added = Collections.emptyMap();
        if (DELETE_SOFT.equals(deleteMode) || !metadataFields.isEmpty()) {
            added = new LinkedHashMap<>();
            if (DELETE_SOFT.equals(deleteMode)) {
                added.put(softDeleteField, Boolean.FALSE);
            }
            addMetadata(added, event, operation);
        }
        // a view, not a copy: the document is read once more by the next transform, never changed
        Map<String, Object> row = new RowView(keyField, id, document, added);
        Struct key = keyStruct(id);
        return newRecord(record, key, row, operation);
    }

    private R delete(R record, Map<String, Object> event) {
        Object id = documentKeyId(event);
        if (id == null) {
            throw new DataException("field 'documentKey._id': missing on a 'delete' event");
        }
        Struct key = keyStruct(id);
        switch (deleteMode) {
            case DELETE_DROP:
                return null;
            case DELETE_SOFT:
                Map<String, Object> row = new LinkedHashMap<>();
                row.put(keyField, id);
                Object before = event.get("fullDocumentBeforeChange");
                if (before != null) {
                    for (Map.Entry<String, Object> field : Documents.asDocument(before, limits,
                            "field 'fullDocumentBeforeChange'").entrySet()) {
                        if (!"_id".equals(field.getKey()) && !field.getKey().equals(keyField)) {
                            row.put(field.getKey(), field.getValue());
                        }
                    }
                }
                row.put(softDeleteField, Boolean.TRUE);
                addMetadata(row, event, "delete");
                return newRecord(record, key, row, "delete");
            default:
                return newRecord(record, key, null, "delete");
        }
    }

    private R otherOperation(R record, Map<String, Object> event, String operation) {
        String namespace = namespace(event);
        if (failOnOtherOperations) {
            throw new DataException("field 'operationType': '" + operation + "' on " + namespace
                    + " is not a row change (" + OTHER_OPERATIONS_CONFIG + "=fail)");
        }
        LOG.info("Skipping '{}' change event on {} ({}): not a row change", operation, namespace,
                RecordErrors.coordinates(record));
        return null;
    }

    /** A tombstone arriving from upstream: keep it a tombstone, with the key rebuilt from whatever key it has. */
    private R tombstoneFromKey(R record) {
        Object key = record.key();
        if (key == null) {
            throw new DataException("tombstone without a key: the row to delete cannot be known");
        }
        Object id = idFromKey(key);
        return newRecord(record, keyStruct(id), null, "delete");
    }

    private Object idFromKey(Object key) {
        Object candidate = key;
        if (key instanceof String && Documents.looksLikeJsonObject((String) key)
                || key instanceof Map || key instanceof Struct || key instanceof byte[]) {
            Map<String, Object> keyDocument = Documents.asDocument(key, limits, "record key");
            Object documentKey = keyDocument.get("documentKey");
            if (documentKey != null) {
                candidate = Documents.asDocument(documentKey, limits, "key field 'documentKey'").get("_id");
            } else if (keyDocument.containsKey("_id") && !isResumeToken(keyDocument.get("_id"))) {
                candidate = keyDocument.get("_id");
            } else if (keyDocument.containsKey(keyField)) {
                candidate = keyDocument.get(keyField);
            } else {
                throw new DataException("record key: a tombstone needs the document id in its key (documentKey._id, "
                        + "_id or " + keyField + "); got " + RecordErrors.describe(keyDocument)
                        + ". Set output.schema.key / output.format.key of the source connector so the key holds "
                        + "the documentKey");
            }
        }
        Object id = normalizeId(candidate);
        if (id == null) {
            throw new DataException("record key: the document id in the key is null");
        }
        return id;
    }

    private static boolean isResumeToken(Object id) {
        Object value = ExtendedJson.unwrap(id);
        return value instanceof Map && ((Map<?, ?>) value).containsKey("_data");
    }

    /** documentKey._id when present (it is what MongoDB keys the change by), else the document's own _id. */
    private Object documentId(Map<String, Object> event, Map<String, Object> document) {
        Object id = documentKeyId(event);
        if (id == null) {
            id = normalizeId(document.get("_id"));
        }
        if (id == null) {
            throw new DataException("field '_id': missing, so the row has no key");
        }
        return id;
    }

    private Object documentKeyId(Map<String, Object> event) {
        Object documentKey = event.get("documentKey");
        if (documentKey == null) {
            return null;
        }
        return normalizeId(Documents.asDocument(documentKey, limits, "field 'documentKey'").get("_id"));
    }

    /** The id as a key value: wrappers decoded; a compound (document) id becomes its JSON text. */
    private Object normalizeId(Object raw) {
        Object id = ExtendedJson.unwrap(raw);
        if (id instanceof Map || id instanceof List || id instanceof Struct) {
            return JsonText.write(id, limits, "_id");
        }
        return id;
    }

    private void addMetadata(Map<String, Object> row, Map<String, Object> event, String operation) {
        for (String field : metadataFields) {
            row.put(metadataPrefix + field, metadata(field, event, operation));
        }
    }

    private Object metadata(String field, Map<String, Object> event, String operation) {
        switch (field) {
            case META_OPERATION:
                return operation;
            case META_CLUSTER_TIME: {
                Object value = ExtendedJson.unwrap(event.get("clusterTime"));
                return value instanceof Number ? ((Number) value).longValue() : null;
            }
            case META_WALL_TIME: {
                Object value = ExtendedJson.unwrap(event.get("wallTime"));
                return value instanceof Date ? value : null;
            }
            case META_NAMESPACE:
                return namespaceOrNull(event);
            case META_DATABASE:
                return namespacePart(event, "db");
            case META_COLLECTION:
                return namespacePart(event, "coll");
            default:
                throw new IllegalStateException(field);
        }
    }

    private String namespace(Map<String, Object> event) {
        String ns = namespaceOrNull(event);
        return ns == null ? "an unknown namespace" : ns;
    }

    private String namespaceOrNull(Map<String, Object> event) {
        String db = namespacePart(event, "db");
        String coll = namespacePart(event, "coll");
        if (db == null) {
            return null;
        }
        return coll == null ? db : db + "." + coll;
    }

    private String namespacePart(Map<String, Object> event, String part) {
        Object ns = event.get("ns");
        if (ns == null) {
            return null;
        }
        Object value = Documents.asDocument(ns, limits, "field 'ns'").get(part);
        return value == null ? null : value.toString();
    }

    private Struct keyStruct(Object id) {
        return Structs.of(keySchemaFor(id), id); // the id's Java type is what its schema was made for
    }

    /** The key schema of the last id type seen: ids of one collection nearly always share one type. */
    private volatile KeySchema lastKeySchema;

    private record KeySchema(Class<?> idClass, Schema schema) {
    }

    private Schema keySchemaFor(Object id) {
        KeySchema last = lastKeySchema;
        if (last != null && last.idClass() == id.getClass() && !(id instanceof BigDecimal)) {
            return last.schema();
        }
        Schema schema = cachedKeySchemaFor(id);
        lastKeySchema = new KeySchema(id.getClass(), schema);
        return schema;
    }

    private Schema cachedKeySchemaFor(Object id) {
        String kind;
        if (id instanceof BigDecimal) {
            kind = "decimal:" + ((BigDecimal) id).scale();
        } else {
            kind = id.getClass().getName();
        }
        Schema schema = keySchemas.get(kind);
        if (schema == null) {
            schema = SchemaBuilder.struct().name("mongorow.DocumentKey").field(keyField, idSchema(id)).build();
            keySchemas.put(kind, schema);
        }
        return schema;
    }

    private static Schema idSchema(Object id) {
        if (id instanceof String) {
            return Schema.STRING_SCHEMA;
        } else if (id instanceof Integer) {
            return Schema.INT32_SCHEMA;
        } else if (id instanceof Long) {
            return Schema.INT64_SCHEMA;
        } else if (id instanceof Double) {
            return Schema.FLOAT64_SCHEMA;
        } else if (id instanceof Boolean) {
            return Schema.BOOLEAN_SCHEMA;
        } else if (id instanceof BigDecimal) {
            return Decimal.schema(((BigDecimal) id).scale());
        } else if (id instanceof Date) {
            return Timestamp.SCHEMA;
        } else if (id instanceof byte[]) {
            return Schema.BYTES_SCHEMA;
        }
        throw new DataException("field '_id': unsupported id type " + RecordErrors.describe(id));
    }

    private R newRecord(R record, Struct key, Map<String, Object> value, String operation) {
        Headers headers = record.headers();
        if (!operationHeader.isEmpty() && operation != null) {
            headers = headers.duplicate();
            if (!headers.isEmpty()) {
                headers.remove(operationHeader);
            }
            headers.addString(operationHeader, lowerCase(operation));
        }
        return record.newRecord(record.topic(), record.kafkaPartition(), key.schema(), key, null, value,
                record.timestamp(), headers);
    }

    private static String lowerCase(String operation) {
        switch (operation) {
            case "insert": case "update": case "replace": case "delete":
                return operation;
            default:
                return operation.toLowerCase(Locale.ROOT);
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
        keySchemas = null;
    }
}

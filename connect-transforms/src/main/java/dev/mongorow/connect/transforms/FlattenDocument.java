package dev.mongorow.connect.transforms;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.util.SimpleConfig;

import dev.mongorow.connect.transforms.internal.Column;
import dev.mongorow.connect.transforms.internal.ColumnNames;
import dev.mongorow.connect.transforms.internal.ColumnType;
import dev.mongorow.connect.transforms.internal.Documents;
import dev.mongorow.connect.transforms.internal.ExtendedJson;
import dev.mongorow.connect.transforms.internal.FieldPath;
import dev.mongorow.connect.transforms.internal.JsonText;
import dev.mongorow.connect.transforms.internal.Limits;
import dev.mongorow.connect.transforms.internal.RecordErrors;
import dev.mongorow.connect.transforms.internal.TableDeclaration;
import dev.mongorow.connect.transforms.internal.Version;

/**
 * Flattens a document into a one-level Struct a JDBC sink can write, without a declared schema: nested
 * documents become columns named by their path, arrays and maps become JSON text. Use
 * {@link FlattenDocument.Key} or {@link FlattenDocument.Value}.
 */
public abstract class FlattenDocument<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    public static final String OVERVIEW_DOC = "Flattens a document in the record key (<code>"
            + FlattenDocument.Key.class.getName() + "</code>) or value (<code>" + FlattenDocument.Value.class.getName()
            + "</code>) into a flat Struct, for tables without a declared schema (prefer ApplyTableSchema when the "
            + "table is known). Nested documents become columns named by their path joined with the delimiter "
            + "(address.city -> address_city) down to flatten.depth; deeper documents, arrays, and the paths in "
            + "json.fields become JSON text columns. Names are made valid MySQL identifiers of at most "
            + "name.max.length characters, and collisions are resolved deterministically with a hash suffix. Accepts "
            + "schemaless maps (the schema is inferred from the values and cached per shape), JSON text, BSON bytes "
            + "and structs (Kafka's Flatten fails on maps and ignores arrays; this does neither).";

    public static final String DELIMITER_CONFIG = "delimiter";
    private static final String DELIMITER_DOC = "Joins the path segments of a nested field into its column name.";
    public static final String FLATTEN_DEPTH_CONFIG = "flatten.depth";
    private static final String FLATTEN_DEPTH_DOC = "Levels of nested documents turned into columns; documents "
            + "nested deeper are written as JSON text.";
    public static final String JSON_FIELDS_CONFIG = "json.fields";
    private static final String JSON_FIELDS_DOC = "Paths of documents written as one JSON text column instead of "
            + "being flattened, e.g. maps keyed by generated ids, which would otherwise give a column per key.";
    public static final String NAME_MAX_LENGTH_CONFIG = "name.max.length";
    private static final String NAME_MAX_LENGTH_DOC = "Longest column name (MySQL: 64). Longer names are cut and "
            + "end with a hash of the full path.";
    public static final String NAME_SANITIZE_CONFIG = "name.sanitize";
    private static final String NAME_SANITIZE_DOC = "Replace characters other than letters, digits and '_' in "
            + "column names with '_' (JDBC sinks do not quote identifiers by default).";

    public static final ConfigDef CONFIG_DEF = Limits.define(new ConfigDef()
            .define(DELIMITER_CONFIG, ConfigDef.Type.STRING, "_", new ConfigDef.NonEmptyString(), ConfigDef.Importance.MEDIUM,
                    DELIMITER_DOC)
            .define(FLATTEN_DEPTH_CONFIG, ConfigDef.Type.INT, 8, ConfigDef.Range.between(0, 100),
                    ConfigDef.Importance.MEDIUM, FLATTEN_DEPTH_DOC)
            .define(JSON_FIELDS_CONFIG, ConfigDef.Type.LIST, "", FieldPath.LIST_VALIDATOR, ConfigDef.Importance.MEDIUM,
                    JSON_FIELDS_DOC)
            .define(NAME_MAX_LENGTH_CONFIG, ConfigDef.Type.INT, TableDeclaration.MAX_IDENTIFIER_LENGTH,
                    ConfigDef.Range.between(16, 1024), ConfigDef.Importance.LOW, NAME_MAX_LENGTH_DOC)
            .define(NAME_SANITIZE_CONFIG, ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.LOW, NAME_SANITIZE_DOC));

    private static final Schema OPTIONAL_JSON_SCHEMA = SchemaBuilder.string().name(Column.JSON_SCHEMA_NAME).version(1)
            .optional().build();

    private int flattenDepth;
    private List<String> jsonFields;
    private ColumnNames columnNames;
    private Limits limits;
    /** Schemaless: output schema per shape (names and value types). With a schema: per input schema. */
    private Cache<List<Object>, Schema> shapeSchemas;
    private Cache<Schema, StructPlan> structPlans;

    @Override
    public void configure(Map<String, ?> props) {
        SimpleConfig config = new SimpleConfig(CONFIG_DEF, props);
        flattenDepth = config.getInt(FLATTEN_DEPTH_CONFIG);
        jsonFields = new ArrayList<>();
        for (String path : config.getList(JSON_FIELDS_CONFIG)) {
            jsonFields.add(FieldPath.parse(path, JSON_FIELDS_CONFIG).toString());
        }
        columnNames = new ColumnNames(config.getString(DELIMITER_CONFIG), config.getInt(NAME_MAX_LENGTH_CONFIG),
                config.getBoolean(NAME_SANITIZE_CONFIG));
        limits = Limits.from(config);
        shapeSchemas = new SynchronizedCache<>(new LRUCache<>(64));
        structPlans = new SynchronizedCache<>(new LRUCache<>(16));
    }

    @Override
    public R apply(R record) {
        Object value = operatingValue(record);
        if (value == null) {
            return record;
        }
        try {
            if (value instanceof Struct) {
                return applyWithSchema(record, (Struct) value);
            }
            return applySchemaless(record, Documents.asDocument(value, limits, "record " + side()));
        } catch (RuntimeException e) {
            throw RecordErrors.inRecord(getClass().getName().replace('$', '.'), record, e);
        }
    }

    // ---- schemaless: infer a schema per shape -------------------------------------------------------------

    private R applySchemaless(R record, Map<String, Object> document) {
        List<List<String>> paths = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        collect(document, new ArrayList<>(), "", 1, paths, values);
        List<String> names = columnNames.names(paths);
        List<Object> shape = new ArrayList<>(names.size() * 2);
        for (int i = 0; i < names.size(); i++) {
            shape.add(names.get(i));
            shape.add(schemaOf(values.get(i)));
        }
        Schema schema = shapeSchemas.get(shape);
        if (schema == null) {
            SchemaBuilder builder = SchemaBuilder.struct();
            for (int i = 0; i < shape.size(); i += 2) {
                builder.field((String) shape.get(i), (Schema) shape.get(i + 1));
            }
            schema = builder.build();
            shapeSchemas.put(shape, schema);
        }
        Struct struct = new Struct(schema);
        for (int i = 0; i < names.size(); i++) {
            Object value = values.get(i);
            struct.put(names.get(i), value instanceof JsonValue ? ((JsonValue) value).text : value);
        }
        return newRecord(record, schema, struct);
    }

    private void collect(Map<?, ?> document, List<String> prefix, String dotted, int depth,
                         List<List<String>> paths, List<Object> values) {
        limits.checkDepth(depth, dotted.isEmpty() ? "<root>" : dotted);
        for (Map.Entry<?, ?> entry : document.entrySet()) {
            String name = String.valueOf(entry.getKey());
            String path = dotted.isEmpty() ? name : dotted + "." + name;
            List<String> segments = new ArrayList<>(prefix.size() + 1);
            segments.addAll(prefix);
            segments.add(name);
            Object value = ExtendedJson.unwrap(entry.getValue());
            if (value instanceof Map && depth <= flattenDepth && !jsonFields.contains(path)) {
                collect((Map<?, ?>) value, segments, path, depth + 1, paths, values);
            } else {
                paths.add(segments);
                values.add(scalar(value, path));
            }
        }
    }

    private Object scalar(Object value, String path) {
        if (value instanceof Map || value instanceof List || value instanceof Struct) {
            return new JsonValue(JsonText.write(value, limits, path));
        }
        if (value instanceof Float) {
            return ((Float) value).doubleValue();
        }
        if (value instanceof BigDecimal) {
            return ColumnType.mysqlDecimal((BigDecimal) value, path);
        }
        if (value instanceof Date) {
            return ColumnType.mysqlDatetime((Date) value, path);
        }
        if (value instanceof Short || value instanceof Byte) {
            return ((Number) value).intValue();
        }
        return value;
    }

    private static Schema schemaOf(Object value) {
        if (value == null || value instanceof String) {
            return Schema.OPTIONAL_STRING_SCHEMA;
        } else if (value instanceof JsonValue) {
            return OPTIONAL_JSON_SCHEMA;
        } else if (value instanceof Integer) {
            return Schema.OPTIONAL_INT32_SCHEMA;
        } else if (value instanceof Long) {
            return Schema.OPTIONAL_INT64_SCHEMA;
        } else if (value instanceof Double) {
            return Schema.OPTIONAL_FLOAT64_SCHEMA;
        } else if (value instanceof Boolean) {
            return Schema.OPTIONAL_BOOLEAN_SCHEMA;
        } else if (value instanceof BigDecimal) {
            return Decimal.builder(((BigDecimal) value).scale()).optional().build();
        } else if (value instanceof Date) {
            return Timestamp.builder().optional().build();
        } else if (value instanceof byte[]) {
            return Schema.OPTIONAL_BYTES_SCHEMA;
        }
        return Schema.OPTIONAL_STRING_SCHEMA;
    }

    /** JSON text produced by flattening; unwrapped to its String when put into the Struct. */
    private static final class JsonValue {
        final String text;

        JsonValue(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    // ---- with a schema: plan once per input schema --------------------------------------------------------

    private R applyWithSchema(R record, Struct value) {
        StructPlan plan = structPlans.get(value.schema());
        if (plan == null) {
            plan = plan(value.schema());
            structPlans.put(value.schema(), plan);
        }
        Struct flat = new Struct(plan.schema);
        for (int i = 0; i < plan.sources.size(); i++) {
            Object leaf = value;
            for (String segment : plan.sources.get(i)) {
                leaf = leaf == null ? null : ((Struct) leaf).get(segment);
            }
            if (leaf != null && plan.asJson.get(i)) {
                leaf = JsonText.write(leaf, limits, plan.paths.get(i));
            } else if (leaf instanceof Date) {
                ColumnType.mysqlDatetime((Date) leaf, plan.paths.get(i));
            }
            flat.put(plan.schema.fields().get(i), leaf);
        }
        return newRecord(record, plan.schema, flat);
    }

    private StructPlan plan(Schema schema) {
        List<List<String>> sources = new ArrayList<>();
        List<Schema> schemas = new ArrayList<>();
        List<Boolean> asJson = new ArrayList<>();
        planFields(schema, new ArrayList<>(), "", 1, schema.isOptional(), sources, schemas, asJson);
        List<String> names = columnNames.names(sources);
        SchemaBuilder builder = SchemaBuilder.struct();
        if (schema.name() != null) {
            builder.name(schema.name());
        }
        for (int i = 0; i < names.size(); i++) {
            builder.field(names.get(i), schemas.get(i));
        }
        return new StructPlan(builder.build(), sources, asJson);
    }

    private void planFields(Schema schema, List<String> prefix, String dotted, int depth, boolean optionalParent,
                            List<List<String>> sources, List<Schema> schemas, List<Boolean> asJson) {
        limits.checkDepth(depth, dotted.isEmpty() ? "<root>" : dotted);
        for (Field field : schema.fields()) {
            String path = dotted.isEmpty() ? field.name() : dotted + "." + field.name();
            List<String> segments = new ArrayList<>(prefix);
            segments.add(field.name());
            Schema fieldSchema = field.schema();
            boolean optional = optionalParent || fieldSchema.isOptional();
            switch (fieldSchema.type()) {
                case STRUCT:
                    if (depth <= flattenDepth && !jsonFields.contains(path)) {
                        planFields(fieldSchema, segments, path, depth + 1, optional, sources, schemas, asJson);
                        continue;
                    }
                    sources.add(segments);
                    schemas.add(OPTIONAL_JSON_SCHEMA);
                    asJson.add(true);
                    break;
                case ARRAY:
                case MAP:
                    sources.add(segments);
                    schemas.add(OPTIONAL_JSON_SCHEMA);
                    asJson.add(true);
                    break;
                default:
                    sources.add(segments);
                    schemas.add(optional && !fieldSchema.isOptional() ? optionalCopy(fieldSchema) : fieldSchema);
                    asJson.add(false);
            }
        }
    }

    private static Schema optionalCopy(Schema schema) {
        SchemaBuilder builder = new SchemaBuilder(schema.type()).optional();
        if (schema.name() != null) {
            builder.name(schema.name());
        }
        if (schema.version() != null) {
            builder.version(schema.version());
        }
        if (schema.doc() != null) {
            builder.doc(schema.doc());
        }
        if (schema.parameters() != null) {
            builder.parameters(schema.parameters());
        }
        return builder.build();
    }

    /**
     * How to flatten structs of one schema: output schema and, per output field, the path (as segments, and dotted
     * for messages) and JSON flag.
     */
    private static final class StructPlan {
        final Schema schema;
        final List<List<String>> sources;
        final List<String> paths;
        final List<Boolean> asJson;

        StructPlan(Schema schema, List<List<String>> sources, List<Boolean> asJson) {
            this.schema = schema;
            this.sources = sources;
            this.paths = sources.stream().map(segments -> String.join(".", segments)).toList();
            this.asJson = asJson;
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
        shapeSchemas = null;
        structPlans = null;
    }

    protected abstract String side();

    protected abstract Object operatingValue(R record);

    protected abstract R newRecord(R record, Schema updatedSchema, Object updatedValue);

    /** Flattens the record key. */
    public static class Key<R extends ConnectRecord<R>> extends FlattenDocument<R> {
        @Override
        protected String side() {
            return "key";
        }

        @Override
        protected Object operatingValue(R record) {
            return record.key();
        }

        @Override
        protected R newRecord(R record, Schema updatedSchema, Object updatedValue) {
            return record.newRecord(record.topic(), record.kafkaPartition(), updatedSchema, updatedValue,
                    record.valueSchema(), record.value(), record.timestamp(), record.headers());
        }
    }

    /** Flattens the record value. */
    public static class Value<R extends ConnectRecord<R>> extends FlattenDocument<R> {
        @Override
        protected String side() {
            return "value";
        }

        @Override
        protected Object operatingValue(R record) {
            return record.value();
        }

        @Override
        protected R newRecord(R record, Schema updatedSchema, Object updatedValue) {
            return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                    updatedSchema, updatedValue, record.timestamp(), record.headers());
        }
    }
}

package dev.mongorow.connect.transforms;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.util.SchemaUtil;
import org.apache.kafka.connect.transforms.util.SimpleConfig;

import dev.mongorow.connect.transforms.internal.ExtendedJson;
import dev.mongorow.connect.transforms.internal.FieldPath;
import dev.mongorow.connect.transforms.internal.JsonText;
import dev.mongorow.connect.transforms.internal.Limits;
import dev.mongorow.connect.transforms.internal.RecordErrors;
import dev.mongorow.connect.transforms.internal.Version;

/**
 * Protects personal data at nested field paths before it leaves the pipeline: a keyed HMAC-SHA256 (joinable,
 * not reversible without the secret), a mask that keeps the last characters, or null. Use
 * {@link ProtectFields.Key} or {@link ProtectFields.Value}.
 */
public abstract class ProtectFields<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    public static final String OVERVIEW_DOC = "Protects personal data in the record " + "<code>"
            + "key</code> (<code>" + ProtectFields.Key.class.getName() + "</code>) or <code>value</code> (<code>"
            + ProtectFields.Value.class.getName() + "</code>), at nested paths (address.phone, contacts.email: a "
            + "path through an array applies to every element). hmac.fields are replaced by a keyed HMAC-SHA256 of "
            + "their text (the same input and secret always give the same hash, so joins still work; give the "
            + "secret through a config provider, e.g. ${file:/etc/secrets/pii.properties:hmac.secret}); "
            + "mask.fields keep only their last characters; null.fields become null. Works on schemaless maps and "
            + "on structs; in a struct, a hashed or masked field becomes an optional string.";

    public static final String HMAC_FIELDS_CONFIG = "hmac.fields";
    private static final String HMAC_FIELDS_DOC = "Paths of the fields replaced by their keyed HMAC-SHA256.";
    public static final String HMAC_SECRET_CONFIG = "hmac.secret";
    private static final String HMAC_SECRET_DOC = "Secret key of the HMAC, at least 16 characters. Give it through "
            + "a config provider rather than in the connector config.";
    public static final String HMAC_ENCODING_CONFIG = "hmac.encoding";
    private static final String HMAC_ENCODING_DOC = "Text form of the hash: 'hex' (64 characters) or 'base64' (44).";
    public static final String HMAC_NORMALIZE_CONFIG = "hmac.normalize";
    private static final String HMAC_NORMALIZE_DOC = "Normalisation before hashing, so equal values hash equally: "
            + "'none', 'lowercase', or 'trim_lowercase' (typical for e-mail addresses).";
    public static final String MASK_FIELDS_CONFIG = "mask.fields";
    private static final String MASK_FIELDS_DOC = "Paths of the fields masked except for their last characters.";
    public static final String MASK_KEEP_LAST_CONFIG = "mask.keep.last";
    private static final String MASK_KEEP_LAST_DOC = "Characters kept at the end of a masked value. A value no longer "
            + "than this is masked entirely.";
    public static final String MASK_CHAR_CONFIG = "mask.char";
    private static final String MASK_CHAR_DOC = "The character that replaces masked characters.";
    public static final String NULL_FIELDS_CONFIG = "null.fields";
    private static final String NULL_FIELDS_DOC = "Paths of the fields replaced by null.";

    public static final int MIN_SECRET_LENGTH = 16;

    public static final ConfigDef CONFIG_DEF = Limits.define(new ConfigDef()
            .define(HMAC_FIELDS_CONFIG, ConfigDef.Type.LIST, "", FieldPath.LIST_VALIDATOR, ConfigDef.Importance.HIGH, HMAC_FIELDS_DOC)
            .define(HMAC_SECRET_CONFIG, ConfigDef.Type.PASSWORD, null, ConfigDef.Importance.HIGH, HMAC_SECRET_DOC)
            .define(HMAC_ENCODING_CONFIG, ConfigDef.Type.STRING, "hex", ConfigDef.ValidString.in("hex", "base64"),
                    ConfigDef.Importance.LOW, HMAC_ENCODING_DOC)
            .define(HMAC_NORMALIZE_CONFIG, ConfigDef.Type.STRING, "none",
                    ConfigDef.ValidString.in("none", "lowercase", "trim_lowercase"), ConfigDef.Importance.LOW,
                    HMAC_NORMALIZE_DOC)
            .define(MASK_FIELDS_CONFIG, ConfigDef.Type.LIST, "", FieldPath.LIST_VALIDATOR, ConfigDef.Importance.HIGH, MASK_FIELDS_DOC)
            .define(MASK_KEEP_LAST_CONFIG, ConfigDef.Type.INT, 4, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.LOW, MASK_KEEP_LAST_DOC)
            .define(MASK_CHAR_CONFIG, ConfigDef.Type.STRING, "*", new SingleCharacter(), ConfigDef.Importance.LOW,
                    MASK_CHAR_DOC)
            .define(NULL_FIELDS_CONFIG, ConfigDef.Type.LIST, "", FieldPath.LIST_VALIDATOR, ConfigDef.Importance.HIGH, NULL_FIELDS_DOC));

    private enum Action {
        HMAC("hash"), MASK("mask"), NULL("null");

        final String verb;

        Action(String verb) {
            this.verb = verb;
        }
    }

    /** One protected path and what to do at its end. */
    private static final class Rule {
        final FieldPath path;
        final Action action;

        Rule(FieldPath path, Action action) {
            this.path = path;
            this.action = action;
        }
    }

    private List<Rule> rules;
    private SecretKeySpec hmacKey;
    private ThreadLocal<Mac> macs;
    private boolean base64;
    private String normalize;
    private int keepLast;
    private char maskChar;
    private Limits limits;
    private Cache<Schema, Schema> schemaUpdateCache;

    @Override
    public void configure(Map<String, ?> props) {
        SimpleConfig config = new SimpleConfig(CONFIG_DEF, props);
        rules = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        addRules(config, HMAC_FIELDS_CONFIG, Action.HMAC, seen);
        addRules(config, MASK_FIELDS_CONFIG, Action.MASK, seen);
        addRules(config, NULL_FIELDS_CONFIG, Action.NULL, seen);
        if (rules.isEmpty()) {
            throw new ConfigException("ProtectFields needs at least one of " + HMAC_FIELDS_CONFIG + ", "
                    + MASK_FIELDS_CONFIG + ", " + NULL_FIELDS_CONFIG);
        }
        Password secret = config.getPassword(HMAC_SECRET_CONFIG);
        if (!config.getList(HMAC_FIELDS_CONFIG).isEmpty()) {
            if (secret == null || secret.value() == null || secret.value().length() < MIN_SECRET_LENGTH) {
                throw new ConfigException(HMAC_SECRET_CONFIG, "[hidden]", "must be set, with at least "
                        + MIN_SECRET_LENGTH + " characters, when " + HMAC_FIELDS_CONFIG + " is set");
            }
            hmacKey = new SecretKeySpec(secret.value().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
            final SecretKeySpec key = hmacKey;
            macs = ThreadLocal.withInitial(() -> newMac(key));
            newMac(key); // fail at configure time, not on the first record
        }
        base64 = "base64".equals(config.getString(HMAC_ENCODING_CONFIG));
        normalize = config.getString(HMAC_NORMALIZE_CONFIG);
        keepLast = config.getInt(MASK_KEEP_LAST_CONFIG);
        maskChar = config.getString(MASK_CHAR_CONFIG).charAt(0);
        limits = Limits.from(config);
        schemaUpdateCache = new SynchronizedCache<>(new LRUCache<>(16));
    }

    private void addRules(SimpleConfig config, String key, Action action, Map<String, String> seen) {
        for (String text : config.getList(key)) {
            FieldPath path = FieldPath.parse(text, key);
            String previous = seen.put(path.toString(), key);
            if (previous != null) {
                throw new ConfigException(key, text, "path is also listed in " + previous);
            }
            rules.add(new Rule(path, action));
        }
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new ConfigException("HmacSHA256 is not available: " + e.getMessage());
        }
    }

    @Override
    public R apply(R record) {
        Object value = operatingValue(record);
        if (value == null) {
            return record;
        }
        try {
            Schema schema = operatingSchema(record);
            if (schema == null) {
                Object updated = ExtendedJson.unwrap(value);
                if (!(updated instanceof Map)) {
                    // JSON text or bytes would pass with their personal data untouched: refuse them instead
                    throw new DataException("expected a document (a map, or a struct with a schema), got "
                            + RecordErrors.describe(updated) + "; put ProtectFields after ChangeEventToRow or a "
                            + "converter that parses the JSON");
                }
                for (Rule rule : rules) {
                    updated = protect(ExtendedJson.unwrap(updated), rule, 0, 1);
                }
                return newRecord(record, null, updated);
            }
            if (!(value instanceof Struct)) {
                throw new DataException("expected a struct for schema " + schema.type() + ", got "
                        + RecordErrors.describe(value));
            }
            Schema updatedSchema = schemaUpdateCache.get(schema);
            if (updatedSchema == null) {
                updatedSchema = updateSchema(schema, "");
                schemaUpdateCache.put(schema, updatedSchema);
            }
            return newRecord(record, updatedSchema, updateStruct((Struct) value, updatedSchema, ""));
        } catch (RuntimeException e) {
            throw RecordErrors.inRecord(getClass().getName().replace('$', '.'), record, e);
        }
    }

    /**
     * Schemaless: returns {@code node} with the rule applied below it, copying only what changes. {@code depth}
     * counts documents and arrays from the top (arrays of arrays keep the path's index, so only depth bounds them).
     */
    private Object protect(Object node, Rule rule, int index, int depth) {
        limits.checkDepth(depth, rule.path.toString());
        if (node instanceof List) {
            List<?> list = (List<?>) node;
            int arrayIndex = FieldPath.arrayIndex(rule.path.segment(index));
            if (arrayIndex >= 0) {
                if (arrayIndex >= list.size()) {
                    return node;
                }
                Object child = list.get(arrayIndex);
                Object updated = index == rule.path.length() - 1 ? leaf(child, rule)
                        : protect(ExtendedJson.unwrap(child), rule, index + 1, depth + 1);
                if (updated == child) {
                    return node;
                }
                List<Object> copy = new ArrayList<>(list);
                copy.set(arrayIndex, updated);
                return copy;
            }
            List<Object> copy = null;
            for (int i = 0; i < list.size(); i++) {
                Object element = list.get(i);
                Object updated = protect(ExtendedJson.unwrap(element), rule, index, depth + 1);
                if (updated != element) {
                    if (copy == null) {
                        copy = new ArrayList<>(list);
                    }
                    copy.set(i, updated);
                }
            }
            return copy == null ? node : copy;
        }
        if (!(node instanceof Map)) {
            return node;
        }
        Map<?, ?> map = (Map<?, ?>) node;
        String segment = rule.path.segment(index);
        if (!map.containsKey(segment)) {
            return node;
        }
        Object child = map.get(segment);
        Object updated = index == rule.path.length() - 1 ? leaf(child, rule)
                : protect(ExtendedJson.unwrap(child), rule, index + 1, depth + 1);
        if (updated == child) {
            return node;
        }
        Map<Object, Object> copy = new LinkedHashMap<>(map);
        copy.put(segment, updated);
        return copy;
    }

    /** With a schema: the schema with every protected field's type changed, built once per input schema. */
    private Schema updateSchema(Schema schema, String prefix) {
        switch (schema.type()) {
            case STRUCT: {
                SchemaBuilder builder = SchemaUtil.copySchemaBasics(schema, SchemaBuilder.struct());
                for (Field field : schema.fields()) {
                    String path = prefix.isEmpty() ? field.name() : prefix + "." + field.name();
                    Rule rule = ruleAt(path);
                    if (rule != null) {
                        builder.field(field.name(), leafSchema(field.schema(), rule.action));
                    } else if (isOnAPath(path)) {
                        builder.field(field.name(), updateSchema(field.schema(), path));
                    } else {
                        builder.field(field.name(), field.schema());
                    }
                }
                return copyOptionality(schema, builder).build(); // an optional nested struct stays optional
            }
            case ARRAY: {
                SchemaBuilder builder = SchemaBuilder.array(updateSchema(schema.valueSchema(), prefix));
                return copyOptionality(schema, builder).build();
            }
            case MAP:
                return updateMapSchema(schema, prefix);
            default:
                return schema;
        }
    }

    /**
     * A map on a protected path: its entries are data, so a rule can only name an entry whose value is the leaf
     * ("contacts.email" in a map of strings). One value schema covers every entry: a hashed or masked entry is
     * possible when the values are strings, a nulled one always; anything else fails rather than pass the data.
     */
    private Schema updateMapSchema(Schema schema, String prefix) {
        Action action = null;
        for (Rule rule : rules) {
            String path = rule.path.toString();
            if (!path.startsWith(prefix + ".")) {
                continue;
            }
            String rest = path.substring(prefix.length() + 1);
            if (rest.indexOf('.') >= 0 || (rule.action != Action.NULL && schema.valueSchema().type() != Schema.Type.STRING)) {
                throw new DataException("field '" + path + "' is inside the map '" + prefix + "' of "
                        + schema.valueSchema().type() + " values, which ProtectFields cannot " + rule.action.verb
                        + " with a schema (only entries of a map of strings can be hashed or masked, and entries "
                        + "of any map nulled): declare '" + prefix + "' as a struct, or protect the record schemaless");
            }
            action = action == null || action == rule.action ? rule.action : Action.HMAC; // mixed: strings either way
        }
        Schema valueSchema = action == Action.NULL ? leafSchema(schema.valueSchema(), Action.NULL)
                : Schema.OPTIONAL_STRING_SCHEMA;
        return copyOptionality(schema, SchemaUtil.copySchemaBasics(schema, SchemaBuilder.map(schema.keySchema(), valueSchema))).build();
    }

    private Struct updateStruct(Struct struct, Schema updatedSchema, String prefix) {
        Struct updated = new Struct(updatedSchema);
        for (Field field : updatedSchema.fields()) {
            Object value = struct.get(field.name());
            String path = prefix.isEmpty() ? field.name() : prefix + "." + field.name();
            Rule rule = ruleAt(path);
            if (rule != null) {
                updated.put(field, leaf(value, rule));
            } else if (value != null && isOnAPath(path)) {
                updated.put(field, updateNested(value, field.schema(), path));
            } else {
                updated.put(field, value);
            }
        }
        return updated;
    }

    private Object updateNested(Object value, Schema updatedSchema, String path) {
        if (value instanceof Struct) {
            return updateStruct((Struct) value, updatedSchema, path);
        }
        if (value instanceof Map && updatedSchema.type() == Schema.Type.MAP) {
            Map<Object, Object> copy = new LinkedHashMap<>((Map<?, ?>) value);
            for (Map.Entry<Object, Object> entry : copy.entrySet()) {
                Rule rule = ruleAt(path + "." + entry.getKey());
                if (rule != null) {
                    entry.setValue(leaf(entry.getValue(), rule));
                }
            }
            return copy;
        }
        if (value instanceof List && updatedSchema.type() == Schema.Type.ARRAY) {
            List<Object> copy = new ArrayList<>(((List<?>) value).size());
            for (Object element : (List<?>) value) {
                copy.add(element == null ? null : updateNested(element, updatedSchema.valueSchema(), path));
            }
            return copy;
        }
        return value;
    }

    private Rule ruleAt(String path) {
        for (Rule rule : rules) {
            if (rule.path.toString().equals(path)) {
                return rule;
            }
        }
        return null;
    }

    private boolean isOnAPath(String path) {
        for (Rule rule : rules) {
            if (rule.path.toString().startsWith(path + ".")) {
                return true;
            }
        }
        return false;
    }

    private static Schema leafSchema(Schema schema, Action action) {
        if (action == Action.NULL) {
            if (schema.isOptional()) {
                return schema;
            }
            SchemaBuilder builder = copyType(schema).optional();
            return builder.build();
        }
        return Schema.OPTIONAL_STRING_SCHEMA;
    }

    private static SchemaBuilder copyType(Schema schema) {
        SchemaBuilder builder;
        switch (schema.type()) {
            case STRUCT:
                builder = SchemaBuilder.struct();
                for (Field field : schema.fields()) {
                    builder.field(field.name(), field.schema());
                }
                break;
            case ARRAY:
                builder = SchemaBuilder.array(schema.valueSchema());
                break;
            case MAP:
                builder = SchemaBuilder.map(schema.keySchema(), schema.valueSchema());
                break;
            default:
                builder = SchemaBuilder.type(schema.type());
        }
        return SchemaUtil.copySchemaBasics(schema, builder);
    }

    private static SchemaBuilder copyOptionality(Schema schema, SchemaBuilder builder) {
        if (schema.isOptional()) {
            builder.optional();
        }
        return builder;
    }

    private Object leaf(Object raw, Rule rule) {
        if (rule.action == Action.NULL || raw == null) {
            return null;
        }
        Object value = ExtendedJson.unwrap(raw);
        if (rule.action == Action.HMAC) {
            byte[] input = value instanceof byte[] ? (byte[]) value
                    : normalized(text(value, rule)).getBytes(StandardCharsets.UTF_8);
            byte[] digest = macs.get().doFinal(input);
            return base64 ? Base64.getEncoder().encodeToString(digest) : HexFormat.of().formatHex(digest);
        }
        return mask(text(value, rule));
    }

    private String text(Object value, Rule rule) {
        if (value instanceof String) {
            return (String) value;
        }
        if (value instanceof Date) {
            return Instant.ofEpochMilli(((Date) value).getTime()).toString();
        }
        if (value instanceof java.math.BigDecimal) {
            return dev.mongorow.connect.transforms.internal.ColumnType.plainText((java.math.BigDecimal) value);
        }
        if (value instanceof Map || value instanceof List || value instanceof Struct) {
            return JsonText.write(value, limits, rule.path.toString());
        }
        if (value instanceof byte[]) {
            return Base64.getEncoder().encodeToString((byte[]) value);
        }
        return String.valueOf(value);
    }

    private String normalized(String text) {
        switch (normalize) {
            case "lowercase":
                return text.toLowerCase(Locale.ROOT);
            case "trim_lowercase":
                return text.trim().toLowerCase(Locale.ROOT);
            default:
                return text;
        }
    }

    private String mask(String text) {
        int length = text.codePointCount(0, text.length());
        int keep = length <= keepLast ? 0 : keepLast;
        StringBuilder masked = new StringBuilder(text.length());
        for (int i = 0; i < length - keep; i++) {
            masked.append(maskChar);
        }
        masked.append(text, text.offsetByCodePoints(0, length - keep), text.length());
        return masked.toString();
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
        schemaUpdateCache = null;
        macs = null;
    }

    protected abstract Schema operatingSchema(R record);

    protected abstract Object operatingValue(R record);

    protected abstract R newRecord(R record, Schema updatedSchema, Object updatedValue);

    /** Protects fields of the record key. */
    public static class Key<R extends ConnectRecord<R>> extends ProtectFields<R> {
        @Override
        protected Schema operatingSchema(R record) {
            return record.keySchema();
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

    /** Protects fields of the record value. */
    public static class Value<R extends ConnectRecord<R>> extends ProtectFields<R> {
        @Override
        protected Schema operatingSchema(R record) {
            return record.valueSchema();
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

    /** Exactly one character. */
    static final class SingleCharacter implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || ((String) value).length() != 1) {
                throw new ConfigException(name, value, "must be exactly one character");
            }
        }

        @Override
        public String toString() {
            return "one character";
        }
    }
}

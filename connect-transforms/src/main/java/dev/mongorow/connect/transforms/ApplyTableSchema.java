package dev.mongorow.connect.transforms;

import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.util.SimpleConfig;

import dev.mongorow.connect.transforms.internal.Column;
import dev.mongorow.connect.transforms.internal.Documents;
import dev.mongorow.connect.transforms.internal.Limits;
import dev.mongorow.connect.transforms.internal.RecordErrors;
import dev.mongorow.connect.transforms.internal.Structs;
import dev.mongorow.connect.transforms.internal.TableDeclaration;
import dev.mongorow.connect.transforms.internal.Version;

/**
 * Gives the records of one target table a declared, typed, flat schema: the value becomes a Struct with one
 * field per declared column, the key a Struct of the primary-key columns. See {@link #OVERVIEW_DOC}.
 */
public class ApplyTableSchema<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    public static final String OVERVIEW_DOC = "Turns documents (schemaless maps, JSON text, BSON bytes or structs, "
            + "typically the output of ChangeEventToRow) into rows of ONE declared MySQL table: the value becomes a "
            + "flat Struct with exactly the declared columns, each value coerced to its declared type (Extended JSON "
            + "such as $oid, $date, $numberLong, $numberDecimal, $binary, $uuid, and plain JSON values alike), nested "
            + "fields reached by path, arrays and documents written as JSON text; the key becomes a Struct of the "
            + "primary-key columns with the same types. Tombstones keep a null value and get the typed key. Values "
            + "MySQL would reject (out of range, too long, too many digits, dates outside 1000-9999) fail here with "
            + "a DataException naming the field, so a dead-letter queue catches them instead of the sink task "
            + "failing. Use one instance per table; records of topics that do not match 'topics' pass unchanged.";

    public static final String TABLE_CONFIG = "table";
    private static final String TABLE_DOC = "Name of the target table (a MySQL identifier of at most 64 characters).";

    public static final String COLUMNS_CONFIG = "columns";
    private static final String COLUMNS_DOC = "The table's columns, separated by commas, semicolons or new lines: "
            + "'<name> <type> [NOT NULL|NULL] [DEFAULT <literal>] [FROM <path>] [PRIMARY KEY]'. Types: STRING[(n)], "
            + "INT32, INT64, FLOAT64, BOOLEAN, DECIMAL(p,s), TIMESTAMP, DATE, JSON (MySQL names VARCHAR(n), TEXT, "
            + "INT, BIGINT, DOUBLE, DATETIME, NUMERIC(p,s) are accepted too). FROM takes a dotted path into the "
            + "document (address.city, accounts.0, `a.b`.c); by default the column name. Without PRIMARY KEY, the "
            + "column 'id' is the key. Example: \"id STRING(24) FROM id, name STRING(100) NOT NULL, city STRING "
            + "FROM address.city, balance DECIMAL(12,2) DEFAULT 0, birthdate TIMESTAMP, tags JSON\".";

    public static final String TOPICS_CONFIG = "topics";
    private static final String TOPICS_DOC = "Regular expression of the topics whose records belong to this table. "
            + "Empty (the default): the topic name equals the table name or ends with '.<table>' (e.g. "
            + "mongo.app.users for table users). Records of other topics pass through unchanged, so several "
            + "instances, one per table, can be chained.";

    public static final String UNKNOWN_FIELDS_CONFIG = "unknown.fields";
    public static final String UNKNOWN_DROP = "drop";
    public static final String UNKNOWN_FAIL = "fail";
    private static final String UNKNOWN_FIELDS_DOC = "Document fields that no column reads (top-level ones, and "
            + "the other fields of a nested document that columns read only parts of: address.zip when address.city "
            + "is declared): 'drop' ignores them, 'fail' raises a DataException listing them (strict schemas). A field "
            + "a column reads whole, such as a JSON column, covers everything below it.";

    public static final String ROUTE_TO_TABLE_CONFIG = "route.to.table";
    private static final String ROUTE_TO_TABLE_DOC = "Set the record's topic to the table name, so a JDBC sink whose table name format is ${topic} "
            + "(Debezium: collection.name.format, Confluent: table.name.format) writes to this table whatever the source "
            + "topic was called.";

    public static final String DECIMAL_ROUNDING_CONFIG = "decimal.rounding";
    private static final String DECIMAL_ROUNDING_DOC = "How DECIMAL values with more fraction digits than the "
            + "declared scale are rounded: HALF_UP (as MySQL does), HALF_EVEN, UP, DOWN, CEILING, FLOOR, or "
            + "UNNECESSARY to fail instead of rounding.";

    public static final ConfigDef CONFIG_DEF = Limits.define(new ConfigDef()
            .define(TABLE_CONFIG, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.HIGH, TABLE_DOC)
            .define(COLUMNS_CONFIG, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ColumnsValidator(),
                    ConfigDef.Importance.HIGH, COLUMNS_DOC)
            .define(TOPICS_CONFIG, ConfigDef.Type.STRING, "", new RegexValidator(), ConfigDef.Importance.MEDIUM,
                    TOPICS_DOC)
            .define(UNKNOWN_FIELDS_CONFIG, ConfigDef.Type.STRING, UNKNOWN_DROP,
                    ConfigDef.ValidString.in(UNKNOWN_DROP, UNKNOWN_FAIL), ConfigDef.Importance.MEDIUM,
                    UNKNOWN_FIELDS_DOC)
            .define(ROUTE_TO_TABLE_CONFIG, ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.MEDIUM,
                    ROUTE_TO_TABLE_DOC)
            .define(DECIMAL_ROUNDING_CONFIG, ConfigDef.Type.STRING, RoundingMode.HALF_UP.name(),
                    ConfigDef.ValidString.in(roundingModes()), ConfigDef.Importance.LOW, DECIMAL_ROUNDING_DOC));

    private static final String NAME = "ApplyTableSchema";

    private TableDeclaration table;
    /** Positions of the key columns among the columns, read once. */
    private int[] keyPositions;
    private Pattern topics;
    /** Whether a topic belongs to this table: topics are few, the regular expression is not free. */
    private Map<String, Boolean> topicMatches;
    private boolean failOnUnknownFields;
    private boolean routeToTable;
    private Limits limits;

    @Override
    public void configure(Map<String, ?> props) {
        SimpleConfig config = new SimpleConfig(CONFIG_DEF, props);
        RoundingMode rounding = RoundingMode.valueOf(config.getString(DECIMAL_ROUNDING_CONFIG));
        String tableName = config.getString(TABLE_CONFIG).trim();
        table = TableDeclaration.parse(tableName, config.getString(COLUMNS_CONFIG), COLUMNS_CONFIG, rounding);
        keyPositions = table.keyPositions();
        String topicRegex = config.getString(TOPICS_CONFIG).trim();
        topics = Pattern.compile(topicRegex.isEmpty() ? "(.*\\.)?" + Pattern.quote(tableName) : topicRegex);
        topicMatches = new java.util.concurrent.ConcurrentHashMap<>();
        failOnUnknownFields = UNKNOWN_FAIL.equals(config.getString(UNKNOWN_FIELDS_CONFIG));
        routeToTable = config.getBoolean(ROUTE_TO_TABLE_CONFIG);
        limits = Limits.from(config);
    }

    @Override
    public R apply(R record) {
        if (!matches(record.topic())) {
            return record;
        }
        try {
            return transform(record);
        } catch (RuntimeException e) {
            throw RecordErrors.inRecord(NAME + "(" + table.table() + ")", record, e);
        }
    }

    private boolean matches(String topic) {
        Boolean match = topicMatches.get(topic);
        if (match == null) {
            match = topics.matcher(topic).matches();
            if (topicMatches.size() < 1000) {
                topicMatches.put(topic, match);
            }
        }
        return match;
    }

    private R transform(R record) {
        if (record.value() == null) {
            Struct key = keyFromRecordKey(record.key());
            return newRecord(record, key, null);
        }
        Map<String, Object> document = Documents.asDocument(record.value(), limits, "record value");
        if (failOnUnknownFields) {
            checkUnknownFields(document);
        }
        List<Column> columns = table.columns();
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            Column column = columns.get(i);
            values[i] = column.valueFrom(column.source().get(document), limits); // typed and checked for its field
        }
        Object[] keyValues = new Object[keyPositions.length];
        for (int k = 0; k < keyPositions.length; k++) {
            keyValues[k] = values[keyPositions[k]];
        }
        return newRecord(record, Structs.of(table.keySchema(), keyValues), Structs.of(table.valueSchema(), values));
    }

    private void checkUnknownFields(Map<String, Object> document) {
        List<String> unknown = table.unreadFields(document);
        if (!unknown.isEmpty()) {
            throw new DataException("field '" + RecordErrors.excerpt(unknown.get(0)) + "': not a column of table "
                    + table.table() + " (" + UNKNOWN_FIELDS_CONFIG + "=fail); unknown fields: "
                    + RecordErrors.excerpt(unknown.toString()));
        }
    }

    /** The typed key of a tombstone, from whatever key it carries (Struct, map, JSON text or a bare id). */
    private Struct keyFromRecordKey(Object key) {
        if (key == null) {
            throw new DataException("tombstone without a key: the row to delete cannot be known");
        }
        Struct typed = new Struct(table.keySchema());
        boolean bare = !(key instanceof Struct || key instanceof Map
                || key instanceof String && Documents.looksLikeJsonObject((String) key) || key instanceof byte[]);
        if (bare) {
            if (table.keyColumns().size() != 1) {
                throw new DataException("record key: a bare key value cannot fill the " + table.keyColumns().size()
                        + " key columns of table " + table.table());
            }
            Column column = table.keyColumns().get(0);
            typed.put(column.name(), column.valueFrom(key, limits));
            return typed;
        }
        Map<String, Object> keyDocument = Documents.asDocument(key, limits, "record key");
        for (Column column : table.keyColumns()) {
            Object raw = keyDocument.get(column.name());
            if (raw == null) {
                raw = column.source().get(keyDocument);
            }
            if (raw == null) {
                throw new DataException("record key: missing key column '" + column.name() + "' of table "
                        + table.table() + " in " + RecordErrors.describe(keyDocument));
            }
            typed.put(column.name(), column.valueFrom(raw, limits));
        }
        return typed;
    }

    private R newRecord(R record, Struct key, Struct value) {
        String topic = routeToTable ? table.table() : record.topic();
        return record.newRecord(topic, record.kafkaPartition(), table.keySchema(), key,
                value == null ? null : table.valueSchema(), value, record.timestamp(), record.headers());
    }

    /** The declaration this instance applies (for tests, tools and the DDL agreement check). */
    public TableDeclaration declaration() {
        return table;
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

    private static String[] roundingModes() {
        RoundingMode[] modes = RoundingMode.values();
        String[] names = new String[modes.length];
        for (int i = 0; i < modes.length; i++) {
            names[i] = modes[i].name();
        }
        return names;
    }

    /** Parses the declaration at validation time, so Connect's validate endpoint reports its errors per key. */
    static final class ColumnsValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                throw new ConfigException(name, null, "the table's columns are required");
            }
            TableDeclaration.parse("validated_table", (String) value, name, RoundingMode.HALF_UP);
        }

        @Override
        public String toString() {
            return "column declarations: <name> <type> [NOT NULL|NULL] [DEFAULT <literal>] [FROM <path>] "
                    + "[PRIMARY KEY], ...";
        }
    }

    /** Accepts an empty string or a valid regular expression. */
    static final class RegexValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String regex = value == null ? "" : ((String) value).trim();
            if (regex.isEmpty()) {
                return;
            }
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new ConfigException(name, value, "not a valid regular expression: "
                        + e.getDescription().toLowerCase(Locale.ROOT));
            }
        }

        @Override
        public String toString() {
            return "a regular expression, or empty";
        }
    }
}

package dev.mongorow.connect.transforms.internal;

import java.math.RoundingMode;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;

/** One declared column: its name, type, nullability, default, and where its value comes from. */
public final class Column {
    /** Name given to the Connect schema of JSON columns, so JDBC sinks that create tables choose a JSON column. */
    public static final String JSON_SCHEMA_NAME = "io.debezium.data.Json";

    private final String name;
    private final ColumnType type;
    private final int length;
    private final int precision;
    private final int scale;
    private final RoundingMode rounding;
    private final boolean nullable;
    private final Object defaultValue;
    private final FieldPath source;
    private final boolean primaryKey;
    private final Schema schema;

    Column(String name, ColumnType type, int length, int precision, int scale, RoundingMode rounding, boolean nullable,
           Object defaultValue, FieldPath source, boolean primaryKey) {
        this.name = name;
        this.type = type;
        this.length = length;
        this.precision = precision;
        this.scale = scale;
        this.rounding = rounding;
        this.nullable = nullable;
        this.defaultValue = defaultValue;
        this.source = source;
        this.primaryKey = primaryKey;
        this.schema = buildSchema();
    }

    private Schema buildSchema() {
        SchemaBuilder builder;
        switch (type) {
            case STRING:
                builder = SchemaBuilder.string();
                if (length > 0) {
                    builder.parameter("length", Integer.toString(length));
                }
                break;
            case JSON:
                builder = SchemaBuilder.string().name(JSON_SCHEMA_NAME).version(1);
                break;
            case INT32:
                builder = SchemaBuilder.int32();
                break;
            case INT64:
                builder = SchemaBuilder.int64();
                break;
            case FLOAT64:
                builder = SchemaBuilder.float64();
                break;
            case BOOLEAN:
                builder = SchemaBuilder.bool();
                break;
            case DECIMAL:
                builder = Decimal.builder(scale).parameter("connect.decimal.precision", Integer.toString(precision));
                break;
            case TIMESTAMP:
                builder = Timestamp.builder();
                break;
            case DATE:
                builder = Date.builder();
                break;
            default:
                throw new IllegalStateException(type.name());
        }
        if (nullable) {
            builder.optional();
        }
        if (defaultValue != null) {
            builder.defaultValue(defaultValue);
        }
        return builder.build();
    }

    public String name() {
        return name;
    }

    public ColumnType type() {
        return type;
    }

    /** Maximum characters of a STRING column, or 0 when unbounded. */
    public int length() {
        return length;
    }

    public int precision() {
        return precision;
    }

    public int scale() {
        return scale;
    }

    public RoundingMode rounding() {
        return rounding;
    }

    public boolean nullable() {
        return nullable;
    }

    public Object defaultValue() {
        return defaultValue;
    }

    public FieldPath source() {
        return source;
    }

    public boolean primaryKey() {
        return primaryKey;
    }

    public Schema schema() {
        return schema;
    }

    /** The type as written in a declaration, e.g. {@code DECIMAL(12,2)} or {@code STRING(64)}. */
    public String typeText() {
        switch (type) {
            case DECIMAL:
                return "DECIMAL(" + precision + "," + scale + ")";
            case STRING:
                return length > 0 ? "STRING(" + length + ")" : "STRING";
            default:
                return type.name();
        }
    }

    /** {@code path} or {@code path (column name)} when they differ, for messages. */
    public String describePath() {
        String path = source.toString();
        return path.equals(name) ? path : path + " (column " + name + ")";
    }

    /** Coerces the document value found at this column's path (or its default) to the column's type. */
    public Object valueFrom(Object raw, Limits limits) {
        if (raw == null) {
            if (defaultValue != null) {
                return defaultValue;
            }
            if (!nullable) {
                throw new org.apache.kafka.connect.errors.DataException("field '" + describePath()
                        + "': missing, but the column is NOT NULL without a DEFAULT");
            }
            return null;
        }
        return type.coerce(raw, this, limits);
    }
}

package dev.mongorow.connect.transforms.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.connect.data.Struct;

/**
 * The column types a table declaration can use, with the coercion of document values into each.
 * Values are checked against what MySQL will accept (integer ranges, DECIMAL precision, DATETIME range,
 * VARCHAR length) so that a bad value fails here, as a DataException that a dead-letter queue catches,
 * rather than inside the JDBC sink, where a database error stops the task.
 */
public enum ColumnType {
    STRING, INT32, INT64, FLOAT64, BOOLEAN, DECIMAL, TIMESTAMP, DATE, JSON;

    /** MySQL DATETIME and DATE hold years 1000 to 9999. */
    static final long MIN_DATETIME_MILLIS = Instant.parse("1000-01-01T00:00:00Z").toEpochMilli();
    static final long MAX_DATETIME_MILLIS = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
    private static final long MILLIS_PER_DAY = 86_400_000L;
    /**
     * Longest numeric text coerced to a number: MySQL's widest number (DECIMAL(65)) with sign, point, exponent
     * and leading zeros fits many times over. Parsing megabytes of digits into a BigDecimal is quadratic, so a
     * longer text fails at once instead of stalling the task.
     */
    static final int MAX_NUMBER_TEXT = 400;
    /**
     * Widest decimal exponent accepted: Decimal128's (MongoDB's decimal). A larger one ("1e2000000000") is no
     * MongoDB decimal, fits no MySQL DECIMAL, and rescaling it would need a number of a billion digits.
     */
    static final int MAX_DECIMAL_EXPONENT = 6176;
    /** MySQL's DECIMAL holds at most 65 digits, 30 of them after the point. */
    public static final int MYSQL_MAX_DECIMAL_PRECISION = 65;
    public static final int MYSQL_MAX_DECIMAL_SCALE = 30;

    /** Parses a type name of the declaration language (case-insensitive, MySQL aliases accepted). */
    public static ColumnType parse(String name) {
        switch (name.toUpperCase(Locale.ROOT)) {
            case "STRING": case "VARCHAR": case "CHAR": case "TEXT":
                return STRING;
            case "INT32": case "INT": case "INTEGER":
                return INT32;
            case "INT64": case "BIGINT": case "LONG":
                return INT64;
            case "FLOAT64": case "DOUBLE":
                return FLOAT64;
            case "BOOLEAN": case "BOOL":
                return BOOLEAN;
            case "DECIMAL": case "NUMERIC":
                return DECIMAL;
            case "TIMESTAMP": case "DATETIME":
                return TIMESTAMP;
            case "DATE":
                return DATE;
            case "JSON":
                return JSON;
            default:
                return null;
        }
    }

    /**
     * Coerces a document value to this type for {@code column}. Never returns null for a non-null input;
     * fails with a DataException naming the field, the expected type and the value.
     */
    public Object coerce(Object raw, Column column, Limits limits) {
        Object value = ExtendedJson.unwrap(raw);
        try {
            switch (this) {
                case STRING:
                    return toText(value, column);
                case INT32:
                    return toInt32(value, column);
                case INT64:
                    return toInt64(value, column);
                case FLOAT64:
                    return toFloat64(value, column);
                case BOOLEAN:
                    return toBoolean(value, column);
                case DECIMAL:
                    return toDecimal(value, column);
                case TIMESTAMP:
                    return new Date(toEpochMillis(value, column));
                case DATE:
                    return new Date(Math.floorDiv(toEpochMillis(value, column), MILLIS_PER_DAY) * MILLIS_PER_DAY);
                case JSON:
                    return JsonText.write(value, limits, column.describePath());
                default:
                    throw new IllegalStateException(name());
            }
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            throw fail(column, value);
        }
    }

    private static String toText(Object value, Column column) {
        String text;
        if (value instanceof String) {
            text = (String) value;
        } else if (value instanceof BigDecimal) {
            text = plainText((BigDecimal) value);
        } else if (value instanceof Number || value instanceof Boolean) {
            text = value.toString();
        } else if (value instanceof Date) {
            text = Instant.ofEpochMilli(((Date) value).getTime()).toString();
        } else if (value instanceof byte[]) {
            text = Base64.getEncoder().encodeToString((byte[]) value);
        } else {
            throw fail(column, value);
        }
        int maxLength = column.length();
        if (maxLength > 0 && text.length() > maxLength && text.codePointCount(0, text.length()) > maxLength) {
            throw new org.apache.kafka.connect.errors.DataException("field '" + column.describePath()
                    + "': expected at most " + maxLength + " characters for " + column.typeText() + ", got "
                    + text.codePointCount(0, text.length()) + " characters: "
                    + RecordErrors.describe(text));
        }
        return text;
    }

    /**
     * A decimal of undeclared type as MySQL can hold it: a negative scale (1E+30) becomes 0 (exact), anything with
     * more than 65 digits or 30 after the point fails here, in the transform, instead of in the sink.
     */
    public static BigDecimal mysqlDecimal(BigDecimal value, String path) {
        if (beyondDecimal128(value)) {
            throw RecordErrors.field(path, "a DECIMAL MySQL can hold (at most 65 digits, 30 after the point)", value);
        }
        BigDecimal d = value.scale() < 0 ? value.setScale(0) : value;
        if (d.precision() > MYSQL_MAX_DECIMAL_PRECISION || d.scale() > MYSQL_MAX_DECIMAL_SCALE) {
            throw RecordErrors.field(path, "a DECIMAL MySQL can hold (at most 65 digits, 30 after the point)", value);
        }
        return d;
    }

    /** Fails unless the instant is within MySQL's DATETIME range (years 1000 to 9999). */
    public static Date mysqlDatetime(Date value, String path) {
        if (!inDatetimeRange(value.getTime())) {
            throw outOfDatetimeRange(path, "date", Instant.ofEpochMilli(value.getTime()));
        }
        return value;
    }

    private static boolean inDatetimeRange(long millis) {
        return millis >= MIN_DATETIME_MILLIS && millis <= MAX_DATETIME_MILLIS;
    }

    /** The message is built only here, on failure: formatting the instant on every record cost a fifth of the chain. */
    private static org.apache.kafka.connect.errors.DataException outOfDatetimeRange(String path, String expected,
                                                                                    Object shown) {
        return new org.apache.kafka.connect.errors.DataException("field '" + path + "': expected a " + expected
                + " between years 1000 and 9999 (MySQL's range), got " + shown);
    }

    /** True for an exponent no MongoDB decimal (Decimal128) has, such as 1e2000000000's. */
    private static boolean beyondDecimal128(BigDecimal value) {
        return Math.abs(value.scale()) > MAX_DECIMAL_EXPONENT;
    }

    /** Plain notation ("1000.50"), except for exponents no MongoDB decimal has, whose plain text could be gigabytes. */
    public static String plainText(BigDecimal value) {
        return beyondDecimal128(value) ? value.toString() : value.toPlainString();
    }

    private static Integer toInt32(Object value, Column column) {
        long v = toInt64(value, column);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw fail(column, value);
        }
        return (int) v;
    }

    private static Long toInt64(Object value, Column column) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 0x1p63) {
                return (long) d;
            }
            throw fail(column, value);
        }
        if (value instanceof BigDecimal) {
            return ((BigDecimal) value).longValueExact();
        }
        if (value instanceof BigInteger) {
            return ((BigInteger) value).longValueExact();
        }
        if (value instanceof String) {
            String s = numberText((String) value, column);
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                return new BigDecimal(s).longValueExact(); // "12.0", "1e3"
            }
        }
        throw fail(column, value);
    }

    /** The trimmed text of a number held in a string, refused at once when far too long to be one. */
    private static String numberText(String value, Column column) {
        if (value.length() > MAX_NUMBER_TEXT) {
            throw new org.apache.kafka.connect.errors.DataException("field '" + column.describePath()
                    + "': expected " + column.typeText() + ", got a string of " + value.length()
                    + " characters, longer than any number (at most " + MAX_NUMBER_TEXT + "): "
                    + RecordErrors.describe(value));
        }
        return value.trim();
    }

    private static Double toFloat64(Object value, Column column) {
        double d;
        if (value instanceof Number) {
            d = ((Number) value).doubleValue();
        } else if (value instanceof String) {
            d = Double.parseDouble(numberText((String) value, column));
        } else {
            throw fail(column, value);
        }
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw fail(column, value); // MySQL DOUBLE holds no NaN or infinity
        }
        return d;
    }

    private static Boolean toBoolean(Object value, Column column) {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if (value instanceof Number) {
            double d = ((Number) value).doubleValue();
            if (d == 0 || d == 1) {
                return d == 1;
            }
        }
        if (value instanceof String) {
            switch (((String) value).trim().toLowerCase(Locale.ROOT)) {
                case "true": case "1":
                    return true;
                case "false": case "0":
                    return false;
                default:
                    break;
            }
        }
        throw fail(column, value);
    }

    private static BigDecimal toDecimal(Object value, Column column) {
        BigDecimal d;
        if (value instanceof BigDecimal) {
            d = (BigDecimal) value;
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            d = BigDecimal.valueOf(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            double v = ((Number) value).doubleValue();
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                throw fail(column, value);
            }
            d = BigDecimal.valueOf(v);
        } else if (value instanceof String) {
            d = new BigDecimal(numberText((String) value, column));
        } else {
            throw fail(column, value);
        }
        if (beyondDecimal128(d)) {
            throw new org.apache.kafka.connect.errors.DataException("field '" + column.describePath()
                    + "': expected a value that fits " + column.typeText() + ", got " + RecordErrors.describe(value)
                    + " (exponent beyond +/-" + MAX_DECIMAL_EXPONENT + ", the range of a MongoDB decimal)");
        }
        BigDecimal scaled = d.setScale(column.scale(), column.rounding());
        if (scaled.precision() - scaled.scale() > column.precision() - column.scale()) {
            throw new org.apache.kafka.connect.errors.DataException("field '" + column.describePath()
                    + "': expected a value that fits " + column.typeText() + ", got " + RecordErrors.describe(value));
        }
        return scaled;
    }

    private static long toEpochMillis(Object value, Column column) {
        long millis;
        if (value instanceof Date) {
            millis = ((Date) value).getTime();
        } else if (value instanceof Integer || value instanceof Long) {
            millis = ((Number) value).longValue();
        } else if (value instanceof String) {
            millis = parseInstant(((String) value).trim()).toEpochMilli();
        } else {
            throw fail(column, value);
        }
        if (!inDatetimeRange(millis)) {
            throw outOfDatetimeRange(column.describePath(), column.typeText(),
                    RecordErrors.describe(value instanceof Date ? Instant.ofEpochMilli(millis).toString() : value));
        }
        return millis;
    }

    /** ISO-8601 instant, offset date-time, local date-time (taken as UTC) or a plain date (midnight UTC). */
    private static Instant parseInstant(String text) {
        if (text.length() == 10) {
            return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        String iso = text.indexOf('T') < 0 && text.length() > 10 && text.charAt(10) == ' '
                ? text.substring(0, 10) + 'T' + text.substring(11) : text;
        try {
            return OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeParseException e) {
            return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
        }
    }

    private static org.apache.kafka.connect.errors.DataException fail(Column column, Object value) {
        return RecordErrors.field(column.describePath(), column.typeText(), value);
    }

    /** True for values that are documents, arrays or structs, which only a JSON column can hold. */
    static boolean isComposite(Object value) {
        return value instanceof Map || value instanceof List || value instanceof Struct;
    }
}

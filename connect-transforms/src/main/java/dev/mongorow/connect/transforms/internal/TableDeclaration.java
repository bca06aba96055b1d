package dev.mongorow.connect.transforms.internal;

import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.DataException;

/**
 * A target table declared in a small SQL-like language, one column per entry, entries separated by
 * commas, semicolons or new lines:
 *
 * <pre>
 *   id STRING(24) NOT NULL PRIMARY KEY FROM _id,
 *   username STRING(64),
 *   birthdate TIMESTAMP,
 *   city STRING FROM address.city,
 *   balance DECIMAL(12,2) NOT NULL DEFAULT 0,
 *   accounts JSON
 * </pre>
 *
 * Types: STRING[(n)] (VARCHAR, TEXT), INT32 (INT), INT64 (BIGINT), FLOAT64 (DOUBLE), BOOLEAN, DECIMAL(p,s),
 * TIMESTAMP (DATETIME), DATE, JSON. Clauses, in any order: NOT NULL | NULL, DEFAULT literal,
 * FROM path (default: the column name), PRIMARY KEY. Without a PRIMARY KEY clause the column {@code id} is
 * the key. Column names must be valid unquoted MySQL identifiers of at most 64 characters.
 */
public final class TableDeclaration {
    public static final int MAX_IDENTIFIER_LENGTH = 64;
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    private final String table;
    private final List<Column> columns;
    private final List<Column> keyColumns;
    private final int[] keyPositions;
    /** Source paths as a tree: segment -> subtree (a map), or WHOLE where a column reads everything below. */
    private final Map<String, Object> readTree;
    private static final Object WHOLE = new Object();
    private final Schema valueSchema;
    private final Schema keySchema;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readTree(List<Column> columns) {
        Map<String, Object> root = new java.util.HashMap<>();
        for (Column column : columns) {
            Map<String, Object> node = root;
            List<String> segments = column.source().segments();
            for (int i = 0; i < segments.size(); i++) {
                String segment = segments.get(i);
                Object child = node.get(segment);
                if (child == WHOLE) {
                    break; // an enclosing field is read whole already
                }
                if (i == segments.size() - 1 || FieldPath.arrayIndex(segments.get(i + 1)) >= 0) {
                    node.put(segment, WHOLE); // read whole, or an array read by index: not looked into
                    break;
                }
                if (child == null) {
                    child = new java.util.HashMap<String, Object>();
                    node.put(segment, child);
                }
                node = (Map<String, Object>) child;
            }
        }
        return root;
    }

    private TableDeclaration(String table, List<Column> columns) {
        this.table = table;
        this.columns = Collections.unmodifiableList(columns);
        List<Column> keys = new ArrayList<>();
        for (Column column : columns) {
            if (column.primaryKey()) {
                keys.add(column);
            }
        }
        this.keyColumns = Collections.unmodifiableList(keys);
        this.keyPositions = keys.stream().mapToInt(columns::indexOf).toArray();
        this.readTree = readTree(columns);

        SchemaBuilder value = SchemaBuilder.struct().name("mongorow." + table + ".Value");
        for (Column column : columns) {
            value.field(column.name(), column.schema());
        }
        this.valueSchema = value.build();
        SchemaBuilder key = SchemaBuilder.struct().name("mongorow." + table + ".Key");
        for (Column column : keyColumns) {
            key.field(column.name(), column.schema());
        }
        this.keySchema = key.build();
    }

    /**
     * Parses the declaration of {@code table}; {@code configKey} names the setting for error messages.
     * {@code rounding} is how DECIMAL values with more fraction digits than the scale are rounded.
     */
    public static TableDeclaration parse(String table, String spec, String configKey, RoundingMode rounding) {
        checkIdentifier(table, configKey, spec, "table name");
        if (spec == null || spec.isBlank()) {
            throw new ConfigException(configKey, spec, "declares no column");
        }
        List<Column> columns = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (String entry : splitEntries(spec, configKey)) {
            Column column = parseColumn(entry, configKey, rounding);
            if (!names.add(column.name().toLowerCase(Locale.ROOT))) {
                throw new ConfigException(configKey, spec, "column '" + column.name() + "' is declared twice");
            }
            columns.add(column);
        }
        boolean anyKey = columns.stream().anyMatch(Column::primaryKey);
        if (!anyKey) {
            List<Column> withDefaultKey = new ArrayList<>();
            boolean found = false;
            for (Column column : columns) {
                if (column.name().equalsIgnoreCase("id")) {
                    withDefaultKey.add(new Column(column.name(), column.type(), column.length(), column.precision(),
                            column.scale(), column.rounding(), false, column.defaultValue(), column.source(), true));
                    found = true;
                } else {
                    withDefaultKey.add(column);
                }
            }
            if (!found) {
                throw new ConfigException(configKey, spec,
                        "no PRIMARY KEY column and no column named 'id': the sink needs a key to upsert and delete");
            }
            columns = withDefaultKey;
        }
        for (Column column : columns) {
            if (column.primaryKey() && column.type() == ColumnType.JSON) {
                throw new ConfigException(configKey, spec, "key column '" + column.name() + "' cannot be JSON");
            }
        }
        return new TableDeclaration(table, columns);
    }

    private static Column parseColumn(String entry, String configKey, RoundingMode rounding) {
        Tokens tokens = new Tokens(entry, configKey);
        String name = tokens.identifier("column name");
        checkIdentifier(name, configKey, entry, "column name");
        String typeName = tokens.word("type of column '" + name + "'");
        ColumnType type = ColumnType.parse(typeName);
        if (type == null) {
            throw new ConfigException(configKey, entry, "unknown type '" + typeName + "' for column '" + name
                    + "'; use STRING, INT32, INT64, FLOAT64, BOOLEAN, DECIMAL(p,s), TIMESTAMP, DATE or JSON");
        }
        int length = 0;
        int precision = 0;
        int scale = 0;
        List<Integer> args = tokens.typeArguments();
        switch (type) {
            case DECIMAL:
                if (args.size() != 2 && args.size() != 1) {
                    throw new ConfigException(configKey, entry, "DECIMAL column '" + name + "' needs (precision,scale)");
                }
                precision = args.get(0);
                scale = args.size() == 2 ? args.get(1) : 0;
                if (precision < 1 || precision > ColumnType.MYSQL_MAX_DECIMAL_PRECISION || scale < 0
                        || scale > ColumnType.MYSQL_MAX_DECIMAL_SCALE || scale > precision) {
                    throw new ConfigException(configKey, entry, "DECIMAL(" + precision + "," + scale + ") of column '"
                            + name + "' is outside MySQL's limits (precision 1..65, scale 0..30, scale <= precision)");
                }
                break;
            case STRING:
                if (args.size() > 1) {
                    throw new ConfigException(configKey, entry, "STRING column '" + name + "' takes at most a length");
                }
                length = args.isEmpty() ? 0 : args.get(0);
                if (!args.isEmpty() && length < 1) {
                    throw new ConfigException(configKey, entry, "length of column '" + name + "' must be positive");
                }
                break;
            default:
                if (!args.isEmpty()) {
                    throw new ConfigException(configKey, entry, "type " + type + " of column '" + name
                            + "' takes no arguments");
                }
        }
        boolean nullable = true;
        boolean primaryKey = false;
        String defaultLiteral = null;
        FieldPath source = null;
        while (tokens.hasMore()) {
            String word = tokens.word("clause").toUpperCase(Locale.ROOT);
            switch (word) {
                case "NOT":
                    tokens.expect("NULL");
                    nullable = false;
                    break;
                case "NULL":
                    nullable = true;
                    break;
                case "DEFAULT":
                    defaultLiteral = tokens.literal();
                    break;
                case "FROM":
                    source = FieldPath.parse(tokens.path(), configKey);
                    break;
                case "PRIMARY":
                    tokens.expect("KEY");
                    primaryKey = true;
                    nullable = false;
                    break;
                default:
                    throw new ConfigException(configKey, entry, "unexpected '" + word + "' in column '" + name
                            + "'; expected NOT NULL, NULL, DEFAULT, FROM or PRIMARY KEY");
            }
        }
        if (source == null) {
            source = FieldPath.parse(name, configKey);
        }
        Column untyped = new Column(name, type, length, precision, scale, rounding, true, null, source, primaryKey);
        Object defaultValue = null;
        if (defaultLiteral != null && !defaultLiteral.equalsIgnoreCase("NULL")) {
            try {
                defaultValue = type.coerce(defaultLiteral, untyped, Limits.DEFAULT);
            } catch (DataException e) {
                throw new ConfigException(configKey, entry, "DEFAULT of column '" + name + "' is not a valid "
                        + untyped.typeText() + ": " + e.getMessage());
            }
        }
        return new Column(name, type, length, precision, scale, rounding, nullable, defaultValue, source, primaryKey);
    }

    private static void checkIdentifier(String name, String configKey, String spec, String what) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new ConfigException(configKey, spec, what + " '" + name
                    + "' is not a valid MySQL identifier (letters, digits, _ and $, not starting with a digit)");
        }
        if (name.length() > MAX_IDENTIFIER_LENGTH) {
            throw new ConfigException(configKey, spec, what + " '" + name + "' is longer than MySQL's "
                    + MAX_IDENTIFIER_LENGTH + " characters");
        }
    }

    /** Splits on , ; and new lines that are outside parentheses, quotes and backticks. */
    static List<String> splitEntries(String spec, String configKey) {
        List<String> entries = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int parens = 0;
        char quote = 0;
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (quote != 0) {
                current.append(c);
                if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '`' || c == '"') {
                quote = c;
            } else if (c == '(') {
                parens++;
            } else if (c == ')') {
                parens--;
            } else if (parens == 0 && (c == ',' || c == ';' || c == '\n')) {
                addEntry(entries, current);
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        if (quote != 0 || parens != 0) {
            throw new ConfigException(configKey, spec, "unbalanced quotes or parentheses");
        }
        addEntry(entries, current);
        return entries;
    }

    private static void addEntry(List<String> entries, StringBuilder entry) {
        String text = entry.toString().trim();
        if (!text.isEmpty()) {
            entries.add(text);
        }
    }

    public String table() {
        return table;
    }

    public List<Column> columns() {
        return columns;
    }

    public List<Column> keyColumns() {
        return keyColumns;
    }

    /** Positions of the key columns among {@link #columns()}, in key order. */
    public int[] keyPositions() {
        return keyPositions.clone();
    }

    /**
     * Fields of {@code document} that no column reads, as dotted paths: top-level fields no source path starts
     * with, and, below a document that columns only read parts of ({@code address.city} declared, the whole
     * {@code address} not), its other fields ({@code address.zip}). A field read whole (a JSON column, say)
     * covers everything below it; arrays are not looked into.
     */
    public List<String> unreadFields(Map<?, ?> document) {
        List<String> unread = new ArrayList<>();
        unread(document, readTree, "", unread);
        return unread;
    }

    private static void unread(Map<?, ?> document, Map<String, Object> tree, String prefix, List<String> out) {
        for (Map.Entry<?, ?> entry : document.entrySet()) {
            String name = String.valueOf(entry.getKey());
            Object node = tree.get(name);
            if (node == null) {
                out.add(prefix + name);
            } else if (node instanceof Map && ExtendedJson.unwrap(entry.getValue()) instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, Object> below = (Map<String, Object>) node;
                unread(nested, below, prefix + name + ".", out);
            }
        }
    }

    public Schema valueSchema() {
        return valueSchema;
    }

    public Schema keySchema() {
        return keySchema;
    }

    /** A tiny tokenizer for one column entry. */
    private static final class Tokens {
        private final String text;
        private final String configKey;
        private int pos;

        Tokens(String text, String configKey) {
            this.text = text;
            this.configKey = configKey;
        }

        boolean hasMore() {
            skipSpace();
            return pos < text.length();
        }

        String identifier(String what) {
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == '`') {
                int end = text.indexOf('`', pos + 1);
                if (end < 0) {
                    throw error("unbalanced backtick in " + what);
                }
                String id = text.substring(pos + 1, end);
                pos = end + 1;
                return id;
            }
            return word(what);
        }

        String word(String what) {
            skipSpace();
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'
                    || text.charAt(pos) == '$')) {
                pos++;
            }
            if (start == pos) {
                throw error("expected " + what + (pos < text.length() ? " at '" + text.substring(pos) + "'" : ""));
            }
            return text.substring(start, pos);
        }

        void expect(String word) {
            String next = word("'" + word + "'");
            if (!next.equalsIgnoreCase(word)) {
                throw error("expected '" + word + "', found '" + next + "'");
            }
        }

        List<Integer> typeArguments() {
            skipSpace();
            List<Integer> args = new ArrayList<>();
            if (pos >= text.length() || text.charAt(pos) != '(') {
                return args;
            }
            int end = text.indexOf(')', pos);
            if (end < 0) {
                throw error("unbalanced parenthesis");
            }
            for (String part : text.substring(pos + 1, end).split(",")) {
                try {
                    args.add(Integer.parseInt(part.trim()));
                } catch (NumberFormatException e) {
                    throw error("type argument '" + part.trim() + "' is not a number");
                }
            }
            pos = end + 1;
            return args;
        }

        /** A DEFAULT literal: 'quoted text' (with '' for a quote), or a bare word/number. */
        String literal() {
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == '\'') {
                StringBuilder value = new StringBuilder();
                pos++;
                while (pos < text.length()) {
                    char c = text.charAt(pos++);
                    if (c == '\'') {
                        if (pos < text.length() && text.charAt(pos) == '\'') {
                            value.append('\'');
                            pos++;
                        } else {
                            return value.toString();
                        }
                    } else {
                        value.append(c);
                    }
                }
                throw error("unterminated quoted DEFAULT");
            }
            int start = pos;
            while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            if (start == pos) {
                throw error("DEFAULT without a value");
            }
            return text.substring(start, pos);
        }

        /** A FROM path: up to the next whitespace outside backticks. */
        String path() {
            skipSpace();
            int start = pos;
            boolean quoted = false;
            while (pos < text.length() && (quoted || !Character.isWhitespace(text.charAt(pos)))) {
                if (text.charAt(pos) == '`') {
                    quoted = !quoted;
                }
                pos++;
            }
            if (start == pos) {
                throw error("FROM without a path");
            }
            return text.substring(start, pos);
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private ConfigException error(String message) {
            return new ConfigException(configKey, text, message);
        }
    }
}

package dev.mongorow.configs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the CREATE TABLE statements of mysql/schema.sql: just enough to compare them with the declarations. */
final class MysqlDdl {
    /** One column as the DDL declares it. */
    record Column(String name, String type, boolean notNull, String defaultValue) {
    }

    /** One table: its columns by name (in order) and its primary key columns. */
    record Table(String name, Map<String, Column> columns, List<String> primaryKey) {
    }

    private static final Pattern CREATE = Pattern.compile(
            "CREATE TABLE IF NOT EXISTS\\s+(\\w+)\\s*\\((.*?)\\)\\s*ENGINE", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern COLUMN = Pattern.compile(
            "^(\\w+)\\s+(\\w+(?:\\(\\d+(?:,\\d+)?\\))?)(.*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern DEFAULT = Pattern.compile("DEFAULT\\s+('(?:[^']|'')*'|\\S+)", Pattern.CASE_INSENSITIVE);

    private MysqlDdl() {
    }

    static Map<String, Table> parse(String sql) {
        String withoutComments = sql.replaceAll("--[^\\n]*", "");
        Map<String, Table> tables = new LinkedHashMap<>();
        Matcher create = CREATE.matcher(withoutComments);
        while (create.find()) {
            Map<String, Column> columns = new LinkedHashMap<>();
            List<String> primaryKey = new ArrayList<>();
            for (String line : splitTopLevel(create.group(2))) {
                String definition = line.trim().replaceAll("\\s+COMMENT\\s+'(?:[^']|'')*'", "");
                String upper = definition.toUpperCase(Locale.ROOT);
                if (upper.startsWith("PRIMARY KEY")) {
                    String inner = definition.substring(definition.indexOf('(') + 1, definition.lastIndexOf(')'));
                    for (String name : inner.split(",")) {
                        primaryKey.add(name.trim());
                    }
                } else if (upper.startsWith("KEY ") || upper.startsWith("INDEX ") || upper.startsWith("UNIQUE ")) {
                    continue;
                } else {
                    Matcher column = COLUMN.matcher(definition);
                    if (!column.matches()) {
                        throw new IllegalArgumentException("cannot read column definition: " + definition);
                    }
                    String rest = column.group(3);
                    Matcher defaultValue = DEFAULT.matcher(rest);
                    columns.put(column.group(1), new Column(column.group(1), column.group(2).toUpperCase(Locale.ROOT),
                            rest.toUpperCase(Locale.ROOT).contains("NOT NULL"),
                            defaultValue.find() ? defaultValue.group(1) : null));
                }
            }
            tables.put(create.group(1), new Table(create.group(1), columns, primaryKey));
        }
        return tables;
    }

    private static List<String> splitTopLevel(String body) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        StringBuilder current = new StringBuilder();
        for (char c : body.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                parts.add(current.toString());
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        if (!current.toString().isBlank()) {
            parts.add(current.toString());
        }
        return parts;
    }
}

package dev.mongorow.connect.transforms.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * A dotted path into a document, such as {@code address.city} or {@code accounts.0}. A segment that holds
 * a dot itself is written between backticks: {@code `a.b`.c}. Numeric segments index into arrays.
 */
public final class FieldPath {
    private final String text;
    private final String[] segments;

    private FieldPath(String text, String[] segments) {
        this.text = text;
        this.segments = segments;
    }

    /**
     * Validator of a LIST config of paths: every entry must parse, so Connect's validate endpoint reports a bad
     * path on its key before the connector starts.
     */
    public static final org.apache.kafka.common.config.ConfigDef.Validator LIST_VALIDATOR =
            new org.apache.kafka.common.config.ConfigDef.Validator() {
                @Override
                public void ensureValid(String name, Object value) {
                    if (value instanceof List<?> list) {
                        for (Object entry : list) {
                            parse(String.valueOf(entry), name);
                        }
                    }
                }

                @Override
                public String toString() {
                    return "comma-separated field paths (a.b.c; `a.b` for a name holding a dot)";
                }
            };

    /** Parses a path; {@code configKey} names the setting it came from, for the error message. */
    public static FieldPath parse(String text, String configKey) {
        String trimmed = text == null ? "" : text.trim();
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean segmentWasQuoted = false;
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c == '`') {
                quoted = !quoted;
                segmentWasQuoted = true;
            } else if (c == '.' && !quoted) {
                addSegment(parts, current, segmentWasQuoted, text, configKey);
                current.setLength(0);
                segmentWasQuoted = false;
            } else {
                current.append(c);
            }
        }
        if (quoted) {
            throw new ConfigException(configKey, text, "unbalanced backtick in field path");
        }
        addSegment(parts, current, segmentWasQuoted, text, configKey);
        return new FieldPath(trimmed, parts.toArray(new String[0]));
    }

    private static void addSegment(List<String> parts, StringBuilder segment, boolean quoted, String text,
                                   String configKey) {
        if (segment.length() == 0 && !quoted) {
            throw new ConfigException(configKey, text, "empty segment in field path");
        }
        parts.add(segment.toString());
    }

    public String first() {
        return segments[0];
    }

    public int length() {
        return segments.length;
    }

    public String segment(int i) {
        return segments[i];
    }

    public List<String> segments() {
        return Collections.unmodifiableList(List.of(segments));
    }

    /** The value at this path, or null when any step is missing or null. */
    public Object get(Object root) {
        Object current = root;
        for (String segment : segments) {
            current = child(ExtendedJson.unwrap(current), segment);
            if (current == null) {
                return null;
            }
        }
        return current;
    }

    /** One step down from a document, struct or array; null when there is no such child. */
    public static Object child(Object container, String segment) {
        if (container instanceof Map) {
            return ((Map<?, ?>) container).get(segment);
        }
        if (container instanceof Struct) {
            Struct struct = (Struct) container;
            Field field = struct.schema().field(segment);
            return field == null ? null : struct.get(field);
        }
        if (container instanceof List) {
            int index = arrayIndex(segment);
            List<?> list = (List<?>) container;
            return index >= 0 && index < list.size() ? list.get(index) : null;
        }
        return null;
    }

    /** The array index a segment denotes, or -1 when it is not a non-negative integer. */
    public static int arrayIndex(String segment) {
        if (segment.isEmpty() || segment.length() > 9) {
            return -1;
        }
        for (int i = 0; i < segment.length(); i++) {
            if (!Character.isDigit(segment.charAt(i))) {
                return -1;
            }
        }
        return Integer.parseInt(segment);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldPath && ((FieldPath) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}

package dev.mongorow.connect.transforms.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/** Turns every form a document can arrive in (JSON text, BSON or JSON bytes, map, struct) into a map. */
public final class Documents {
    private Documents() {
    }

    /**
     * The document held by {@code value}. Maps are returned as they are (callers never mutate them); JSON text
     * and bytes are parsed; structs are seen through a read-only view. {@code what} names the value in error
     * messages.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asDocument(Object value, Limits limits, String what) {
        if (value instanceof Map) {
            return (Map<String, Object>) value;
        }
        if (value instanceof String) {
            return ExtendedJson.parseDocument((String) value, limits);
        }
        if (value instanceof byte[]) {
            return ExtendedJson.parseDocument((byte[]) value, limits);
        }
        if (value instanceof java.nio.ByteBuffer) {
            java.nio.ByteBuffer buffer = ((java.nio.ByteBuffer) value).duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return ExtendedJson.parseDocument(bytes, limits);
        }
        if (value instanceof Struct) {
            return structToMap((Struct) value, limits, 1);
        }
        throw new DataException(what + ": expected a document (JSON text, BSON bytes, map or struct), got "
                + RecordErrors.describe(value));
    }

    /** True when the text starts, after white space, with '{'. */
    public static boolean looksLikeJsonObject(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == '{';
            }
        }
        return false;
    }

    private static Map<String, Object> structToMap(Struct struct, Limits limits, int depth) {
        limits.checkDepth(depth, struct.schema().name() == null ? "<struct>" : struct.schema().name());
        return new StructView(struct, limits, depth);
    }

    /**
     * A struct seen as a read-only document, without copying it: a field is converted when it is read (a nested
     * struct becomes a view in turn, a list or map is copied with its elements converted, a ByteBuffer becomes
     * bytes). Transforms read a few fields of a document; converting all of them up front cost more than the rest
     * of the chain.
     */
    private static final class StructView extends java.util.AbstractMap<String, Object> {
        private final Struct struct;
        private final Limits limits;
        private final int depth;

        StructView(Struct struct, Limits limits, int depth) {
            this.struct = struct;
            this.limits = limits;
            this.depth = depth;
        }

        @Override
        public Object get(Object name) {
            Field field = name instanceof String ? struct.schema().field((String) name) : null;
            return field == null ? null : fromConnect(struct.get(field), limits, depth + 1);
        }

        @Override
        public boolean containsKey(Object name) {
            return name instanceof String && struct.schema().field((String) name) != null;
        }

        @Override
        public int size() {
            return struct.schema().fields().size();
        }

        @Override
        public java.util.Set<Map.Entry<String, Object>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public java.util.Iterator<Map.Entry<String, Object>> iterator() {
                    java.util.Iterator<Field> fields = struct.schema().fields().iterator();
                    return new java.util.Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return fields.hasNext();
                        }

                        @Override
                        public Map.Entry<String, Object> next() {
                            Field field = fields.next();
                            return new java.util.AbstractMap.SimpleImmutableEntry<>(field.name(),
                                    fromConnect(struct.get(field), limits, depth + 1));
                        }
                    };
                }

                @Override
                public int size() {
                    return StructView.this.size();
                }
            };
        }
    }

    private static Object fromConnect(Object value, Limits limits, int depth) {
        // scalars first, by class: most fields are, and an interface test (List, Map) that fails costs a scan
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof java.util.Date) {
            return value;
        }
        if (value instanceof Struct) {
            return structToMap((Struct) value, limits, depth);
        }
        if (value instanceof List) {
            limits.checkDepth(depth, "<array>");
            List<Object> copy = new ArrayList<>(((List<?>) value).size());
            for (Object element : (List<?>) value) {
                copy.add(fromConnect(element, limits, depth + 1));
            }
            return copy;
        }
        if (value instanceof Map) {
            limits.checkDepth(depth, "<map>");
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                copy.put(String.valueOf(entry.getKey()), fromConnect(entry.getValue(), limits, depth + 1));
            }
            return copy;
        }
        if (value instanceof java.nio.ByteBuffer) {
            java.nio.ByteBuffer buffer = ((java.nio.ByteBuffer) value).duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }
        return value;
    }
}

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
     * and bytes are parsed; structs are converted. {@code what} names the value in error messages.
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
        Map<String, Object> map = new LinkedHashMap<>();
        for (Field field : struct.schema().fields()) {
            map.put(field.name(), fromConnect(struct.get(field), limits, depth + 1));
        }
        return map;
    }

    private static Object fromConnect(Object value, Limits limits, int depth) {
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

package dev.mongorow.connect.transforms.internal;

import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Writes a document value (array, sub-document, scalar) as JSON text for a JSON or TEXT column, with Jackson.
 * The output is plain, readable JSON that MySQL's JSON functions can query: dates as ISO-8601 UTC strings,
 * decimals as exact JSON numbers, binary as base64 strings, ObjectIds and UUIDs as the strings they were
 * read as. Extended JSON type wrappers still present in the input are decoded first, so a value gives the
 * same text whatever form it arrived in.
 */
public final class JsonText {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private JsonText() {
    }

    /** JSON text of {@code value}; fails when it is nested deeper or would be longer than the limits allow. */
    public static String write(Object value, Limits limits, String path) {
        BoundedWriter out = new BoundedWriter(limits.maxBytes(), path);
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            write(generator, value, 1, limits, path);
        } catch (IOException e) {
            throw new DataException("field '" + path + "': cannot write JSON text: " + e.getMessage(), e);
        }
        return out.toString();
    }

    private static void write(JsonGenerator out, Object raw, int depth, Limits limits, String path) throws IOException {
        Object value = ExtendedJson.unwrap(raw);
        if (value == null) {
            out.writeNull();
        } else if (value instanceof String) {
            out.writeString((String) value);
        } else if (value instanceof Boolean) {
            out.writeBoolean((Boolean) value);
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            out.writeNumber(((Number) value).intValue());
        } else if (value instanceof Long) {
            out.writeNumber((Long) value);
        } else if (value instanceof BigDecimal) {
            out.writeNumber((BigDecimal) value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                out.writeString(Double.toString(d)); // JSON has no NaN or Infinity
            } else {
                out.writeNumber(d);
            }
        } else if (value instanceof Date) {
            out.writeString(Instant.ofEpochMilli(((Date) value).getTime()).toString());
        } else if (value instanceof byte[]) {
            out.writeString(Base64.getEncoder().encodeToString((byte[]) value));
        } else if (value instanceof Map) {
            limits.checkDepth(depth, path);
            out.writeStartObject();
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                out.writeFieldName(String.valueOf(entry.getKey()));
                write(out, entry.getValue(), depth + 1, limits, path);
            }
            out.writeEndObject();
        } else if (value instanceof List) {
            limits.checkDepth(depth, path);
            out.writeStartArray();
            for (Object element : (List<?>) value) {
                write(out, element, depth + 1, limits, path);
            }
            out.writeEndArray();
        } else if (value instanceof Struct) {
            limits.checkDepth(depth, path);
            Struct struct = (Struct) value;
            out.writeStartObject();
            for (Field field : struct.schema().fields()) {
                out.writeFieldName(field.name());
                write(out, struct.get(field), depth + 1, limits, path);
            }
            out.writeEndObject();
        } else if (value instanceof Number) {
            out.writeNumber(value.toString());
        } else {
            out.writeString(value.toString());
        }
    }

    /** A StringBuilder-backed writer that stops, with a clear reason, once the text grows past the limit. */
    private static final class BoundedWriter extends Writer {
        private final StringBuilder text = new StringBuilder(256);
        private final int maxChars;
        private final String path;

        BoundedWriter(int maxChars, String path) {
            this.maxChars = maxChars;
            this.path = path;
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            if (text.length() + length > maxChars) {
                throw new DataException("field '" + path + "': JSON text longer than " + Limits.MAX_BYTES_CONFIG + "="
                        + maxChars + " characters");
            }
            text.append(chars, offset, length);
        }

        @Override
        public void write(String str, int offset, int length) {
            if (text.length() + length > maxChars) {
                throw new DataException("field '" + path + "': JSON text longer than " + Limits.MAX_BYTES_CONFIG + "="
                        + maxChars + " characters");
            }
            text.append(str, offset, offset + length);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}

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
    /** Text buffers larger than this are not kept for the next value. */
    private static final int RETAINED_BUFFER_CHARS = 64 * 1024;
    /**
     * One generator per thread, reused: a JSON column is written for nearly every record, and creating a
     * generator costs more than writing a small array. A generator that failed mid-value is discarded.
     */
    private static final ThreadLocal<Output> OUTPUT = ThreadLocal.withInitial(Output::new);

    private JsonText() {
    }

    /** JSON text of {@code value}; fails when it is nested deeper or would be longer than the limits allow. */
    public static String write(Object value, Limits limits, String path) {
        Output output = OUTPUT.get();
        output.writer.reset(limits.maxBytes(), path);
        try {
            JsonGenerator generator = output.generator();
            write(generator, value, 1, limits, path);
            generator.flush();
            return output.writer.take();
        } catch (IOException e) {
            output.discard();
            throw new DataException("field '" + path + "': cannot write JSON text: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            output.discard();
            throw e;
        }
    }

    /** A thread's writer and the generator bound to it. */
    private static final class Output {
        final BoundedWriter writer = new BoundedWriter();
        JsonGenerator generator;

        JsonGenerator generator() throws IOException {
            if (generator == null) {
                generator = FACTORY.createGenerator(writer);
                generator.setRootValueSeparator(null); // consecutive root values, no separator between them
            }
            return generator;
        }

        void discard() {
            generator = null;
            writer.clear();
        }
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
        private StringBuilder text = new StringBuilder(256);
        private int maxChars;
        private String path;

        void reset(int maxChars, String path) {
            this.maxChars = maxChars;
            this.path = path;
            text.setLength(0);
        }

        /** The text written since the last reset; the buffer is kept for the next value unless it grew large. */
        String take() {
            String result = text.toString();
            clear();
            return result;
        }

        void clear() {
            if (text.capacity() > RETAINED_BUFFER_CHARS) {
                text = new StringBuilder(256);
            } else {
                text.setLength(0);
            }
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            ensureRoom(length);
            text.append(chars, offset, length);
        }

        @Override
        public void write(String str, int offset, int length) {
            ensureRoom(length);
            text.append(str, offset, offset + length);
        }

        private void ensureRoom(int length) {
            if (text.length() + length > maxChars) {
                throw new DataException("field '" + path + "': JSON text longer than " + Limits.MAX_BYTES_CONFIG + "="
                        + maxChars + " characters");
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}

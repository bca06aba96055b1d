package dev.mongorow.connect.transforms.internal;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Builds the DataException messages of our transforms. A message always says where the record came from
 * (topic, partition, offset when the record has them) and what was wrong, so that a dead-letter topic entry
 * (with {@code errors.deadletterqueue.context.headers.enable=true}) is readable without the code at hand.
 */
public final class RecordErrors {
    /** Longest excerpt of an offending value that goes into a message. */
    public static final int MAX_VALUE_EXCERPT = 120;

    private RecordErrors() {
    }

    /** A failure about one value at a field path: {@code field 'a.b': expected X, got TYPE "excerpt"}. */
    public static DataException field(String path, String expected, Object actual) {
        return new DataException("field '" + path + "': expected " + expected + ", got " + describe(actual));
    }

    /** Re-throws a failure of {@code transform} on {@code record} with the record's coordinates in front. */
    public static DataException inRecord(String transform, ConnectRecord<?> record, Throwable cause) {
        String reason = cause instanceof DataException
                ? cause.getMessage()
                : "unexpected " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        return new DataException(transform + " failed on " + coordinates(record) + ": " + reason, cause);
    }

    /** {@code topic=t partition=p offset=o} of the record as it was consumed, as far as known. */
    public static String coordinates(ConnectRecord<?> record) {
        if (record instanceof SinkRecord) {
            SinkRecord sink = (SinkRecord) record;
            return "record [topic=" + sink.originalTopic() + " partition=" + sink.originalKafkaPartition()
                    + " offset=" + sink.originalKafkaOffset() + "]";
        }
        return "record [topic=" + record.topic() + " partition=" + record.kafkaPartition() + "]";
    }

    /** Type name and a truncated rendering of a value, safe for any size of input. */
    public static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        String type = typeName(value);
        String text;
        if (value instanceof byte[]) {
            text = ((byte[]) value).length + " bytes";
            return type + " (" + text + ")";
        } else if (value instanceof java.util.Collection) {
            return type + " of " + ((java.util.Collection<?>) value).size() + " elements";
        } else if (value instanceof java.util.Map) {
            return type + " with keys " + excerpt(((java.util.Map<?, ?>) value).keySet().toString());
        } else {
            text = String.valueOf(value);
        }
        return type + " " + (value instanceof CharSequence ? '"' + excerpt(text) + '"' : excerpt(text));
    }

    public static String excerpt(String text) {
        if (text.length() <= MAX_VALUE_EXCERPT) {
            return text;
        }
        return text.substring(0, MAX_VALUE_EXCERPT) + "...(" + text.length() + " chars)";
    }

    private static String typeName(Object value) {
        if (value instanceof CharSequence) {
            return "string";
        } else if (value instanceof java.util.Map) {
            return "document";
        } else if (value instanceof java.util.List) {
            return "array";
        } else if (value instanceof org.apache.kafka.connect.data.Struct) {
            return "struct";
        } else if (value instanceof byte[]) {
            return "bytes";
        }
        return value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
}

package dev.mongorow.connect.transforms.internal;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Bounds on the input a transform accepts. Every transform that walks documents shares them, so that deep
 * nesting or huge values end as a DataException (and a dead letter) instead of a StackOverflowError or an
 * OutOfMemoryError that would kill the task.
 */
public final class Limits {
    public static final String MAX_DEPTH_CONFIG = "max.depth";
    public static final int MAX_DEPTH_DEFAULT = 64;
    private static final String MAX_DEPTH_DOC = "Deepest nesting of documents and arrays accepted in a record. "
            + "Deeper records fail with a DataException (MongoDB itself allows 100 levels).";

    public static final String MAX_BYTES_CONFIG = "max.bytes";
    public static final int MAX_BYTES_DEFAULT = 16 * 1024 * 1024;
    private static final String MAX_BYTES_DOC = "Largest serialized record value accepted (a JSON string or BSON bytes), "
            + "and the largest JSON text written for one column, in bytes (characters for text). "
            + "The default is MongoDB's own document size limit, 16 MiB.";

    public static final Limits DEFAULT = new Limits(MAX_DEPTH_DEFAULT, MAX_BYTES_DEFAULT);

    private final int maxDepth;
    private final int maxBytes;

    public Limits(int maxDepth, int maxBytes) {
        this.maxDepth = maxDepth;
        this.maxBytes = maxBytes;
    }

    /** Adds {@code max.depth} and {@code max.bytes} to a transform's ConfigDef. */
    public static ConfigDef define(ConfigDef def) {
        return def
                .define(MAX_DEPTH_CONFIG, ConfigDef.Type.INT, MAX_DEPTH_DEFAULT, ConfigDef.Range.between(1, 1000),
                        ConfigDef.Importance.LOW, MAX_DEPTH_DOC)
                .define(MAX_BYTES_CONFIG, ConfigDef.Type.INT, MAX_BYTES_DEFAULT, ConfigDef.Range.atLeast(1),
                        ConfigDef.Importance.LOW, MAX_BYTES_DOC);
    }

    public static Limits from(AbstractConfig config) {
        return new Limits(config.getInt(MAX_DEPTH_CONFIG), config.getInt(MAX_BYTES_CONFIG));
    }

    public int maxDepth() {
        return maxDepth;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** Fails when a value nested at {@code depth} (the top-level document is depth 1) is too deep. */
    public void checkDepth(int depth, String path) {
        if (depth > maxDepth) {
            throw new org.apache.kafka.connect.errors.DataException("field '" + RecordErrors.excerpt(path)
                    + "': nesting deeper than " + MAX_DEPTH_CONFIG + "=" + maxDepth);
        }
    }
}

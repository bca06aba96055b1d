package dev.mongorow.emulator.oplog;

/**
 * How much history the oplog keeps: the oldest entries are dropped as soon as either limit is exceeded
 * (the newest entry is always kept). Bytes are the heap the entries occupy, see {@link OplogEntry#chargedBytes()}.
 */
public record OplogLimits(long maxEntries, long maxBytes) {

    public static final long DEFAULT_MAX_ENTRIES = 1_000_000L;
    public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;

    public OplogLimits {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("oplog max entries must be at least 1, got " + maxEntries);
        }
        if (maxBytes < OplogEntry.OVERHEAD_BYTES) {
            throw new IllegalArgumentException("oplog max bytes must be at least " + OplogEntry.OVERHEAD_BYTES + ", got " + maxBytes);
        }
    }

    public static OplogLimits defaults() {
        return new OplogLimits(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES);
    }
}

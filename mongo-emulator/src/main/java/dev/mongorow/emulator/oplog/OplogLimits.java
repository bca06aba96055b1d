package dev.mongorow.emulator.oplog;

/**
 * How much history the oplog keeps: the oldest entries are dropped as soon as either limit is exceeded
 * (the newest entry is always kept). Bytes are the heap the entries occupy, see {@link OplogEntry#chargedBytes()}.
 */
public record OplogLimits(long maxEntries, long maxBytes) {

    /**
     * 100,000 entries: minutes of history at the rates a development stack sees (a stopped or lagging source
     * resumes if it comes back within them), and a heap that stays flat, at 20 MiB for small updates, under a
     * stream of any length. A real replica set sizes its oplog on disk, in gigabytes.
     */
    public static final long DEFAULT_MAX_ENTRIES = 100_000L;
    /** 64 MiB of heap: caps the history of large documents (each insert or replace holds its document). */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

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

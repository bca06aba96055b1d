package dev.mongorow.emulator.oplog;

/**
 * A consistent snapshot of the oplog's size and lifetime counters.
 *
 * @param entries          entries currently retained
 * @param bytes            heap bytes charged for the retained entries
 * @param appendedTotal    entries appended since this process started
 * @param droppedTotal     entries dropped by the limits since this process started
 */
public record OplogStats(long entries, long bytes, long appendedTotal, long droppedTotal) {
}

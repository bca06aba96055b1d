package dev.mongorow.emulator.oplog;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import de.bwaldvogel.mongo.bson.Document;

/**
 * The emulator's oplog: an ordered, bounded, optionally persistent log of changes.
 *
 * <ul>
 *   <li>Entries live in a ring buffer addressed by their contiguous sequence number, so a reader that
 *       remembers where it stopped reads only what was appended since (no rescans).</li>
 *   <li>Each entry gets a unique, strictly increasing BSON timestamp ("cluster time"), derived from the
 *       wall clock but never going backwards, also across restarts when persisted.</li>
 *   <li>When {@link OplogLimits} are exceeded the oldest entries are dropped and the <em>horizon</em>
 *       moves up: every entry with a timestamp above the horizon is still present. A reader wanting
 *       everything after a position below the horizon has lost history.</li>
 *   <li>Readers that found nothing new register a one-shot callback instead of polling; it runs once,
 *       after the next append.</li>
 * </ul>
 *
 * All state is guarded by {@code this}; callbacks run outside the lock.
 */
public final class BoundedOplog {

    private static final Logger log = LoggerFactory.getLogger(BoundedOplog.class);
    private static final int INITIAL_CAPACITY = 1024;
    private static final long INCREMENTS_PER_MILLISECOND = 1_000_000;

    private final OplogLimits limits;
    private final OplogPersistence persistence;
    private final Clock clock;
    private final StringPool strings = new StringPool();

    private OplogEntry[] ring = new OplogEntry[INITIAL_CAPACITY];
    private int head;
    private int size;
    private long firstSequence;
    private long bytes;
    private long horizon;
    private boolean dropped;
    private long lastTimestamp;
    private long lastAppendMillis;
    private long appendedTotal;
    private long droppedTotal;
    private final Set<Runnable> waiters = new LinkedHashSet<>();

    public BoundedOplog(OplogLimits limits, OplogPersistence persistence, Clock clock) {
        this.limits = limits;
        this.persistence = persistence;
        this.clock = clock;
        synchronized (this) {
            restore();
        }
    }

    private void restore() {
        Long storedHorizon = persistence.loadHorizon();
        if (storedHorizon == null) {
            // A new oplog starts at "now": like a freshly initiated replica set, it holds no history before
            // its creation, so resume points from an earlier (e.g. in-memory, restarted) oplog are lost.
            horizon = nextTimestamp(clock.millis());
            persistence.horizonCreated(horizon);
            lastTimestamp = horizon;
            firstSequence = 1;
            log.info("created a new oplog (max {} entries, {} bytes)", limits.maxEntries(), limits.maxBytes());
            return;
        }
        horizon = storedHorizon;
        dropped = persistence.loadDropped();
        lastTimestamp = horizon;
        firstSequence = -1;
        persistence.load((sequence, serialized) -> {
            OplogEntry entry = OplogEntry.deserialize(sequence, serialized, strings);
            if (firstSequence < 0) {
                firstSequence = sequence;
            } else if (sequence != nextSequence()) {
                throw new IllegalStateException("persisted oplog is not contiguous: expected entry "
                    + nextSequence() + " but found " + sequence);
            }
            addLast(entry);
            lastTimestamp = entry.timestamp();
            lastAppendMillis = entry.wallTimeMillis();
        });
        if (firstSequence < 0) {
            firstSequence = 1;
        }
        enforceLimits();
        log.info("restored oplog: {} entries, {} bytes (max {} entries, {} bytes)", size, bytes,
            limits.maxEntries(), limits.maxBytes());
    }

    /**
     * Appends an entry and wakes every waiting reader.
     *
     * @param body the operation-specific payload, encoded right away (so it is a snapshot), or null
     */
    public OplogEntry append(OperationType type, String database, String collection, Document body) {
        byte[] encodedBody = body == null ? null : Bson.encode(body);
        List<Runnable> toWake;
        OplogEntry entry;
        synchronized (this) {
            long now = clock.millis();
            entry = new OplogEntry(nextSequence(), nextTimestamp(now), now, type,
                strings.canonical(database), strings.canonical(collection), encodedBody);
            addLast(entry);
            lastAppendMillis = now;
            appendedTotal++;
            persistence.appended(entry);
            enforceLimits();
            toWake = drainWaiters();
        }
        toWake.forEach(Runnable::run);
        return entry;
    }

    /** Writes a no-op entry if nothing was appended for {@code idle}, as a replica-set primary does. */
    public void appendNoopIfIdleFor(Duration idle) {
        synchronized (this) {
            if (clock.millis() - lastAppendMillis < idle.toMillis()) {
                return;
            }
        }
        append(OperationType.NOOP, null, null, null);
    }

    /**
     * Reads up to {@code maxEntries} entries starting at {@code fromSequence}.
     *
     * @throws OplogHistoryLostException if entries from {@code fromSequence} on were already dropped
     */
    public synchronized List<OplogEntry> read(long fromSequence, int maxEntries) {
        if (fromSequence < firstSequence) {
            throw new OplogHistoryLostException("oplog entry " + fromSequence + " was dropped; the oldest entry is "
                + firstSequence + " (oplog limits: " + limits.maxEntries() + " entries, " + limits.maxBytes() + " bytes)");
        }
        long available = nextSequence() - fromSequence;
        int count = (int) Math.max(0, Math.min(available, maxEntries));
        List<OplogEntry> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            result.add(at(fromSequence + i));
        }
        return result;
    }

    /** The sequence number the next appended entry will get. */
    public synchronized long nextSequence() {
        return firstSequence + size;
    }

    /**
     * The sequence of the first entry strictly after {@code position} (a timestamp value).
     *
     * @throws OplogHistoryLostException if entries after {@code position} may have been dropped
     */
    public synchronized long sequenceAfter(long position) {
        if (Long.compareUnsigned(position, horizon) < 0) {
            throw new OplogHistoryLostException("position " + (position >>> 32) + ":" + (position & 0xFFFFFFFFL)
                + " is older than the oplog's horizon " + (horizon >>> 32) + ":" + (horizon & 0xFFFFFFFFL));
        }
        int low = 0;
        int high = size;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (Long.compareUnsigned(ring[physical(middle)].timestamp(), position) <= 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return firstSequence + low;
    }

    /**
     * The sequence of the first entry at or after {@code operationTime}. An oplog that never dropped an entry
     * holds all history there is, so any operation time is served (0 means "from the beginning").
     *
     * @throws OplogHistoryLostException if entries at or after {@code operationTime} may have been dropped
     */
    public synchronized long sequenceAtOrAfter(long operationTime) {
        if (!dropped && Long.compareUnsigned(operationTime, horizon) <= 0) {
            return firstSequence;
        }
        return sequenceAfter(operationTime == 0 ? 0 : operationTime - 1);
    }

    /** The entry with exactly this timestamp, or null. */
    public synchronized OplogEntry entryAt(long position) {
        long sequence = sequenceAfter(position) - 1;
        if (sequence < firstSequence) {
            return null;
        }
        OplogEntry entry = at(sequence);
        return entry.timestamp() == position ? entry : null;
    }

    /** Everything with a timestamp above this value is still in the oplog. */
    public synchronized long horizon() {
        return horizon;
    }

    /** The timestamp of the newest entry (the horizon while there is none): the current cluster time. */
    public synchronized long lastPosition() {
        return lastTimestamp;
    }

    /**
     * Registers {@code onAppend} to run once after the next append, unless an entry at or beyond
     * {@code sequence} already exists.
     *
     * @return false if such an entry exists (nothing registered, read now)
     */
    public synchronized boolean awaitEntry(long sequence, Runnable onAppend) {
        if (sequence < nextSequence()) {
            return false;
        }
        waiters.add(onAppend);
        return true;
    }

    public synchronized void cancelAwait(Runnable onAppend) {
        waiters.remove(onAppend);
    }

    public synchronized OplogStats stats() {
        return new OplogStats(size, bytes, appendedTotal, droppedTotal);
    }

    public OplogLimits limits() {
        return limits;
    }

    /**
     * The next cluster time: the clock's second, and an increment that starts at the clock's millisecond
     * (times a million) rather than at 1, so that an oplog created after a restart within the same second
     * still starts after every timestamp of the previous one.
     */
    private long nextTimestamp(long nowMillis) {
        long clockTimestamp = ((nowMillis / 1000) << 32) | ((nowMillis % 1000) * INCREMENTS_PER_MILLISECOND + 1);
        long next = Long.compareUnsigned(clockTimestamp, lastTimestamp + 1) > 0 ? clockTimestamp : lastTimestamp + 1;
        lastTimestamp = next;
        return next;
    }

    private void addLast(OplogEntry entry) {
        if (size == ring.length) {
            OplogEntry[] grown = new OplogEntry[ring.length * 2];
            for (int i = 0; i < size; i++) {
                grown[i] = ring[physical(i)];
            }
            ring = grown;
            head = 0;
        }
        ring[physical(size)] = entry;
        size++;
        bytes += entry.chargedBytes();
    }

    private void enforceLimits() {
        long firstDropped = firstSequence;
        while (size > 1 && (size > limits.maxEntries() || bytes > limits.maxBytes())) {
            OplogEntry oldest = ring[head];
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
            bytes -= oldest.chargedBytes();
            firstSequence++;
            horizon = oldest.timestamp();
            dropped = true;
            droppedTotal++;
        }
        if (firstSequence > firstDropped) {
            persistence.truncated(firstDropped, firstSequence - 1, horizon);
        }
    }

    private List<Runnable> drainWaiters() {
        if (waiters.isEmpty()) {
            return List.of();
        }
        List<Runnable> drained = new ArrayList<>(waiters);
        waiters.clear();
        return drained;
    }

    private OplogEntry at(long sequence) {
        return ring[physical((int) (sequence - firstSequence))];
    }

    private int physical(int logicalIndex) {
        return (head + logicalIndex) % ring.length;
    }
}

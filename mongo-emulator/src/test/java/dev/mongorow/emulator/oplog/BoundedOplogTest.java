package dev.mongorow.emulator.oplog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import de.bwaldvogel.mongo.bson.Document;

class BoundedOplogTest {

    private static final Clock FROZEN = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private static BoundedOplog oplog(long maxEntries, long maxBytes) {
        return new BoundedOplog(new OplogLimits(maxEntries, maxBytes), OplogPersistence.NONE, Clock.systemUTC());
    }

    private static OplogEntry insert(BoundedOplog oplog, int id) {
        return oplog.append(OperationType.INSERT, "db", "coll", new Document("_id", id));
    }

    @Test
    void timestampsStrictlyIncreaseEvenWhenTheClockStandsStill() {
        BoundedOplog oplog = new BoundedOplog(OplogLimits.defaults(), OplogPersistence.NONE, FROZEN);
        long previous = oplog.lastPosition();
        for (int i = 0; i < 1000; i++) {
            long timestamp = insert(oplog, i).timestamp();
            assertTrue(Long.compareUnsigned(timestamp, previous) > 0);
            assertEquals(FROZEN.instant().getEpochSecond(), timestamp >>> 32);
            previous = timestamp;
        }
    }

    @Test
    void entryCountIsCappedAndTheOldestAreDropped() {
        BoundedOplog oplog = oplog(100, Long.MAX_VALUE);
        for (int i = 0; i < 1000; i++) {
            insert(oplog, i);
        }
        OplogStats stats = oplog.stats();
        assertEquals(100, stats.entries());
        assertEquals(900, stats.droppedTotal());
        assertEquals(1000, stats.appendedTotal());
        List<OplogEntry> retained = oplog.read(901, 1000);
        assertEquals(100, retained.size());
        assertEquals(900, retained.get(0).body().get("_id"));
        assertThrows(OplogHistoryLostException.class, () -> oplog.read(900, 1));
    }

    @Test
    void byteSizeIsCapped() {
        long maxBytes = 10_000;
        BoundedOplog oplog = oplog(Long.MAX_VALUE, maxBytes);
        for (int i = 0; i < 1000; i++) {
            oplog.append(OperationType.INSERT, "db", "coll", new Document("_id", i).append("padding", "x".repeat(100)));
        }
        OplogStats stats = oplog.stats();
        assertTrue(stats.bytes() <= maxBytes, stats.toString());
        assertTrue(stats.entries() > 10 && stats.entries() < 100, stats.toString());
    }

    @Test
    void positionsBelowTheHorizonAreLost() {
        BoundedOplog oplog = oplog(10, Long.MAX_VALUE);
        long creation = oplog.lastPosition();
        OplogEntry first = insert(oplog, 0);
        assertEquals(first.sequence(), oplog.sequenceAfter(creation), "nothing lost yet: resume from creation works");
        for (int i = 1; i < 20; i++) {
            insert(oplog, i);
        }
        assertThrows(OplogHistoryLostException.class, () -> oplog.sequenceAfter(first.timestamp()));
        long horizon = oplog.horizon();
        assertEquals(oplog.nextSequence() - 10, oplog.sequenceAfter(horizon));
    }

    @Test
    void waitersRunOnceOnTheNextAppend() {
        BoundedOplog oplog = oplog(100, Long.MAX_VALUE);
        AtomicInteger woken = new AtomicInteger();
        assertTrue(oplog.awaitEntry(oplog.nextSequence(), woken::incrementAndGet));
        insert(oplog, 1);
        insert(oplog, 2);
        assertEquals(1, woken.get());
        assertFalse(oplog.awaitEntry(oplog.nextSequence() - 1, woken::incrementAndGet), "an entry is already there");
        Runnable cancelled = woken::incrementAndGet;
        oplog.awaitEntry(oplog.nextSequence(), cancelled);
        oplog.cancelAwait(cancelled);
        insert(oplog, 3);
        assertEquals(1, woken.get());
    }

    @Test
    void entryAtFindsExactPositionsOnly() {
        BoundedOplog oplog = oplog(100, Long.MAX_VALUE);
        OplogEntry entry = insert(oplog, 1);
        assertEquals(entry.sequence(), oplog.entryAt(entry.timestamp()).sequence());
        assertNull(oplog.entryAt(entry.timestamp() + 1));
    }

    @Test
    void aPersistedOplogSurvivesReopeningWithItsHorizonAndTimestamps(@TempDir Path directory) {
        String file = directory.resolve("oplog.mv.db").toString();
        long horizon;
        long last;
        try (MVStore store = MVStore.open(file)) {
            BoundedOplog oplog = new BoundedOplog(new OplogLimits(5, Long.MAX_VALUE), new MvStoreOplogPersistence(store), FROZEN);
            for (int i = 0; i < 8; i++) {
                insert(oplog, i);
            }
            horizon = oplog.horizon();
            last = oplog.lastPosition();
        }
        try (MVStore store = MVStore.open(file)) {
            BoundedOplog reopened = new BoundedOplog(new OplogLimits(5, Long.MAX_VALUE), new MvStoreOplogPersistence(store), FROZEN);
            assertEquals(5, reopened.stats().entries());
            assertEquals(horizon, reopened.horizon());
            assertEquals(last, reopened.lastPosition());
            List<OplogEntry> entries = reopened.read(4, 10);
            assertEquals(List.of(3, 4, 5, 6, 7), entries.stream().map(entry -> entry.body().get("_id")).toList());
            assertTrue(Long.compareUnsigned(insert(reopened, 8).timestamp(), last) > 0, "time never goes backwards");
        }
    }
}

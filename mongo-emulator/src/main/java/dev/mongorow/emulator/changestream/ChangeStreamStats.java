package dev.mongorow.emulator.changestream;

import java.util.concurrent.atomic.AtomicLong;

/** Counters that show what change streams cost: how often cursors read, how much they scan, how they wait. */
public final class ChangeStreamStats {

    /**
     * @param cursorsOpened        change stream cursors opened
     * @param openCursors          change stream cursors currently open
     * @param getMores             getMore requests on change stream cursors
     * @param batchesRead          batches assembled (one per aggregate, one or more per getMore)
     * @param entriesScanned       oplog entries examined by all cursors
     * @param waitsStarted         waits for a write started by getMores that found nothing (a getMore waits again
     *                             when the writes that woke it are not for its stream)
     * @param waitsWokenByWrite    waits ended by an oplog append
     * @param waitsTimedOut        waits that ran out their maxTimeMS (maxAwaitTimeMS)
     */
    public record Snapshot(long cursorsOpened, long openCursors, long getMores, long batchesRead, long entriesScanned,
                           long waitsStarted, long waitsWokenByWrite, long waitsTimedOut) {
    }

    private final AtomicLong cursorsOpened = new AtomicLong();
    private final AtomicLong openCursors = new AtomicLong();
    private final AtomicLong getMores = new AtomicLong();
    private final AtomicLong batchesRead = new AtomicLong();
    private final AtomicLong entriesScanned = new AtomicLong();
    private final AtomicLong waitsStarted = new AtomicLong();
    private final AtomicLong waitsWokenByWrite = new AtomicLong();
    private final AtomicLong waitsTimedOut = new AtomicLong();

    void cursorOpened() {
        cursorsOpened.incrementAndGet();
        openCursors.incrementAndGet();
    }

    void cursorClosed() {
        openCursors.decrementAndGet();
    }

    void getMore() {
        getMores.incrementAndGet();
    }

    void batchRead() {
        batchesRead.incrementAndGet();
    }

    void entriesScanned(long count) {
        entriesScanned.addAndGet(count);
    }

    void waitStarted() {
        waitsStarted.incrementAndGet();
    }

    void waitWokenByWrite() {
        waitsWokenByWrite.incrementAndGet();
    }

    void waitTimedOut() {
        waitsTimedOut.incrementAndGet();
    }

    public Snapshot snapshot() {
        return new Snapshot(cursorsOpened.get(), openCursors.get(), getMores.get(), batchesRead.get(), entriesScanned.get(),
            waitsStarted.get(), waitsWokenByWrite.get(), waitsTimedOut.get());
    }
}

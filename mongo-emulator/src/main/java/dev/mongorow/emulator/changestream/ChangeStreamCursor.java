package dev.mongorow.emulator.changestream;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.Document;
import dev.mongorow.emulator.oplog.BoundedOplog;
import dev.mongorow.emulator.oplog.Bson;
import dev.mongorow.emulator.oplog.OplogEntry;
import dev.mongorow.emulator.oplog.OplogHistoryLostException;

/**
 * A change stream's server-side cursor. It remembers the next oplog sequence to examine, so every batch
 * reads only entries appended since the previous one, and the position (timestamp) of the last entry
 * examined, which is the batch's post-batch resume token: a stream whose events are filtered away still
 * advances its resume point.
 */
final class ChangeStreamCursor extends AbstractCursor {

    /** Entries copied out of the oplog per lock acquisition. */
    private static final int READ_CHUNK = 1024;
    /** Entries examined per batch at most, so one request never scans an unbounded backlog. */
    private static final int SCAN_BUDGET = 100_000;
    /** Stop filling a batch past this size; MongoDB's reply limit is 16 MiB. */
    private static final long MAX_BATCH_BYTES = 15L * 1024 * 1024;

    record Batch(List<Document> events, ResumeToken postBatchResumeToken, boolean closed, boolean caughtUp) {
    }

    private final ChangeStreamRequest request;
    private final Aggregation pipeline;
    private final BoundedOplog oplog;
    private final ChangeEventFactory events;
    private final ChangeStreamStats stats;

    private long nextSequence;
    private long position;
    private OplogEntry pendingInvalidate;
    private boolean closed;
    private volatile long lastUsedNanos = System.nanoTime();

    /**
     * Positions the cursor as the request asks: after a resume token, at an operation time, or at the
     * current end of the oplog.
     *
     * @throws de.bwaldvogel.mongo.exception.MongoServerError ChangeStreamHistoryLost if that point is gone
     */
    ChangeStreamCursor(long id, ChangeStreamRequest request, Aggregation pipeline, BoundedOplog oplog,
                       ChangeEventFactory events, ChangeStreamStats stats) {
        super(id);
        this.request = request;
        this.pipeline = pipeline;
        this.oplog = oplog;
        this.events = events;
        this.stats = stats;
        if (request.resumeAfter() != null && request.resumeAfter().invalidate()) {
            throw ChangeStreamErrors.resumeAfterInvalidate();
        }
        ResumeToken token = request.startAfter() != null ? request.startAfter() : request.resumeAfter();
        try {
            if (token != null) {
                position = token.position();
                nextSequence = oplog.sequenceAfter(position);
                if (!token.invalidate()) {
                    pendingInvalidate = invalidationAt(position);
                }
            } else if (request.startAtOperationTime() != null) {
                long operationTime = request.startAtOperationTime().getValue();
                nextSequence = oplog.sequenceAtOrAfter(operationTime);
                // Resuming from this cursor's resume token must not ask for history before the oplog began.
                long justBefore = operationTime == 0 ? 0 : operationTime - 1;
                position = Long.compareUnsigned(justBefore, oplog.horizon()) < 0 ? oplog.horizon() : justBefore;
            } else {
                position = oplog.lastPosition();
                nextSequence = oplog.sequenceAfter(position);
            }
        } catch (OplogHistoryLostException e) {
            throw ChangeStreamErrors.historyLost(e.getMessage());
        }
    }

    /** Resuming right after the event that invalidated this stream yields the invalidate, as in MongoDB. */
    private OplogEntry invalidationAt(long resumePosition) {
        OplogEntry entry = oplog.entryAt(resumePosition);
        if (entry == null) {
            return null;
        }
        ChangeStreamScope.Relevance relevance = request.scope().relevance(entry);
        return relevance == ChangeStreamScope.Relevance.EVENT_THEN_INVALIDATE
            || relevance == ChangeStreamScope.Relevance.INVALIDATE ? entry : null;
    }

    /**
     * The next batch of at most {@code limit} events.
     *
     * @throws de.bwaldvogel.mongo.exception.MongoServerError ChangeStreamHistoryLost if the oplog dropped
     *                                                        entries this cursor had not read yet
     */
    synchronized Batch nextBatch(int limit) {
        lastUsedNanos = System.nanoTime();
        stats.batchRead();
        List<Document> batch = new ArrayList<>();
        if (closed) {
            return new Batch(batch, ResumeToken.at(position), true, true);
        }
        if (pendingInvalidate != null) {
            return invalidated(batch, pendingInvalidate);
        }
        int scanned = 0;
        long bytes = 0;
        try {
            scan:
            while (batch.size() < limit && scanned < SCAN_BUDGET && bytes < MAX_BATCH_BYTES) {
                List<OplogEntry> chunk = oplog.read(nextSequence, Math.min(READ_CHUNK, SCAN_BUDGET - scanned));
                if (chunk.isEmpty()) {
                    break;
                }
                for (OplogEntry entry : chunk) {
                    scanned++;
                    nextSequence = entry.sequence() + 1;
                    position = entry.timestamp();
                    switch (request.scope().relevance(entry)) {
                        case IGNORE -> {
                        }
                        case EVENT -> bytes += addEvent(batch, entry);
                        case EVENT_THEN_INVALIDATE -> {
                            addEvent(batch, entry);
                            return invalidated(batch, entry);
                        }
                        case INVALIDATE -> {
                            return invalidated(batch, entry);
                        }
                    }
                    if (batch.size() >= limit || bytes >= MAX_BATCH_BYTES) {
                        break scan;
                    }
                }
            }
        } catch (OplogHistoryLostException e) {
            closed = true;
            throw ChangeStreamErrors.historyLost(e.getMessage());
        } finally {
            stats.entriesScanned(scanned);
        }
        return new Batch(batch, ResumeToken.at(position), false, nextSequence >= oplog.nextSequence());
    }

    private long addEvent(List<Document> batch, OplogEntry entry) {
        Document event = events.event(entry, request);
        if (pipeline == null) {
            batch.add(event);
            return Bson.size(event);
        }
        Object token = event.get("_id");
        long bytes = 0;
        for (Document result : pipeline.runStages(Stream.of(event))) {
            if (!token.equals(result.get("_id"))) {
                throw ChangeStreamErrors.resumeTokenModified();
            }
            batch.add(result);
            bytes += Bson.size(result);
        }
        return bytes;
    }

    private Batch invalidated(List<Document> batch, OplogEntry cause) {
        batch.add(events.invalidate(cause));
        closed = true;
        pendingInvalidate = null;
        return new Batch(batch, ResumeToken.invalidateAt(cause.timestamp()), true, true);
    }

    /** The oplog sequence this cursor reads next: a wait for new entries waits for this one. */
    synchronized long nextSequence() {
        return nextSequence;
    }

    ChangeStreamScope scope() {
        return request.scope();
    }

    long idleNanos() {
        return System.nanoTime() - lastUsedNanos;
    }

    void touch() {
        lastUsedNanos = System.nanoTime();
    }

    @Override
    public synchronized boolean isEmpty() {
        return closed;
    }

    /** The plain cursor protocol, for callers outside the change stream service: one batch, no waiting. */
    @Override
    public List<Document> takeDocuments(int numberToReturn) {
        return nextBatch(numberToReturn > 0 ? numberToReturn : Integer.MAX_VALUE).events();
    }

    @Override
    public String toString() {
        return "ChangeStreamCursor(id: " + getId() + ", " + request.scope() + ")";
    }
}

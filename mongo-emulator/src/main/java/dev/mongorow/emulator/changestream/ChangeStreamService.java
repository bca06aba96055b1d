package dev.mongorow.emulator.changestream;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.exception.MongoServerException;
import de.bwaldvogel.mongo.oplog.NoopOplog;
import dev.mongorow.emulator.oplog.BoundedOplog;

/**
 * Opens change stream cursors and serves their getMores.
 *
 * <p>A getMore that finds nothing new does not poll and does not hold a thread: it registers a one-shot
 * callback with the oplog and a timer for its {@code maxTimeMS} (the driver's maxAwaitTime), and is answered
 * by whichever comes first, on the connection's own event loop. Work is therefore proportional to writes,
 * not to time or to the oplog's size.
 */
public final class ChangeStreamService {

    private static final Logger log = LoggerFactory.getLogger(ChangeStreamService.class);

    /** MongoDB's wait for an awaitData getMore that names no maxTimeMS. */
    private static final long DEFAULT_AWAIT_MILLIS = 1000;

    private final BoundedOplog oplog;
    private final CursorRegistry cursorRegistry;
    private final ChangeEventFactory eventFactory;
    private final ChangeStreamStats stats = new ChangeStreamStats();
    private final Map<Long, ChangeStreamCursor> cursors = new ConcurrentHashMap<>();

    public ChangeStreamService(BoundedOplog oplog, CursorRegistry cursorRegistry, DocumentLookup lookup) {
        this.oplog = oplog;
        this.cursorRegistry = cursorRegistry;
        this.eventFactory = new ChangeEventFactory(lookup);
    }

    public static boolean isChangeStream(Document aggregateCommand) {
        return ChangeStreamRequest.isChangeStream(aggregateCommand);
    }

    /** Answers an {@code aggregate} whose pipeline starts with {@code $changeStream}: opens the cursor, returns its first batch. */
    public Document open(String databaseName, Document aggregateCommand) {
        ChangeStreamRequest request = ChangeStreamRequest.parse(databaseName, aggregateCommand);
        Aggregation pipeline = request.stages().isEmpty() ? null
            : Aggregation.fromPipeline(request.stages(), null, null, null, NoopOplog.get());
        ChangeStreamCursor cursor = new ChangeStreamCursor(cursorRegistry.generateCursorId(), request, pipeline, oplog,
            eventFactory, stats);
        ChangeStreamCursor.Batch batch = cursor.nextBatch(request.firstBatchSize());
        stats.cursorOpened();
        if (batch.closed()) {
            stats.cursorClosed();
        } else {
            cursors.put(cursor.getId(), cursor);
            cursorRegistry.add(cursor);
        }
        log.debug("opened {}", cursor);
        return reply("firstBatch", cursor, batch);
    }

    /**
     * Serves a getMore on a change stream cursor, waiting up to its {@code maxTimeMS} for events.
     *
     * @param executor the connection's event loop: where waits time out and batches are assembled
     * @return the reply, success or error (never completes exceptionally); empty if the cursor is not a
     *         change stream cursor of this service
     */
    public Optional<CompletableFuture<Document>> getMore(long cursorId, Document command, ScheduledExecutorService executor) {
        ChangeStreamCursor cursor = cursors.get(cursorId);
        if (cursor == null) {
            return Optional.empty();
        }
        stats.getMore();
        cursor.touch();
        int limit = command.get("batchSize") instanceof Number batchSize && batchSize.intValue() > 0
            ? batchSize.intValue() : Integer.MAX_VALUE;
        long awaitMillis = command.get("maxTimeMS") instanceof Number maxTime ? maxTime.longValue() : DEFAULT_AWAIT_MILLIS;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(awaitMillis);
        CompletableFuture<Document> reply = new CompletableFuture<>();
        new PendingGetMore(cursor, limit, deadline, executor, reply).attempt();
        return Optional.of(reply);
    }

    /** Closes cursors no getMore has touched for {@code idleTimeout}, as MongoDB does after 10 minutes. */
    public void closeIdleCursors(Duration idleTimeout) {
        for (ChangeStreamCursor cursor : cursors.values()) {
            if (cursor.idleNanos() > idleTimeout.toNanos()) {
                log.info("closing {}: idle for more than {}", cursor, idleTimeout);
                close(cursor);
            }
        }
    }

    /** Forgets a cursor killCursors removed from the registry. */
    public void cursorKilled(long cursorId) {
        ChangeStreamCursor cursor = cursors.remove(cursorId);
        if (cursor != null) {
            stats.cursorClosed();
        }
    }

    public ChangeStreamStats.Snapshot stats() {
        return stats.snapshot();
    }

    private void close(ChangeStreamCursor cursor) {
        cursorRegistry.remove(cursor.getId());
        cursorKilled(cursor.getId());
    }

    private Document reply(String batchField, ChangeStreamCursor cursor, ChangeStreamCursor.Batch batch) {
        Document cursorDocument = new Document(batchField, batch.events())
            .append("postBatchResumeToken", batch.postBatchResumeToken().toDocument())
            .append("id", batch.closed() ? 0L : cursor.getId())
            .append("ns", cursor.scope().cursorNamespace());
        // operationTime, as a replica-set member sends it: mongo-kafka-connect measures its lag against it
        return new Document("cursor", cursorDocument)
            .append("operationTime", new BsonTimestamp(oplog.lastPosition()))
            .append("ok", 1.0);
    }

    private static Document errorReply(MongoServerException exception) {
        Document reply = new Document("$err", exception.getMessageWithoutErrorCode())
            .append("errmsg", exception.getMessageWithoutErrorCode());
        if (exception instanceof MongoServerError error) {
            reply.append("code", error.getCode()).append("codeName", error.getCodeName());
        }
        return reply.append("ok", 0.0);
    }

    /** One getMore in flight: read, and if there is nothing, wait for an append or the deadline, then read again. */
    private final class PendingGetMore {

        private final ChangeStreamCursor cursor;
        private final int limit;
        private final long deadline;
        private final ScheduledExecutorService executor;
        private final CompletableFuture<Document> reply;

        PendingGetMore(ChangeStreamCursor cursor, int limit, long deadline, ScheduledExecutorService executor,
                       CompletableFuture<Document> reply) {
            this.cursor = cursor;
            this.limit = limit;
            this.deadline = deadline;
            this.executor = executor;
            this.reply = reply;
        }

        void attempt() {
            try {
                if (!cursors.containsKey(cursor.getId())) {
                    reply.complete(errorReply(ChangeStreamErrors.cursorKilled(cursor.getId())));
                    return;
                }
                ChangeStreamCursor.Batch batch = cursor.nextBatch(limit);
                long remaining = deadline - System.nanoTime();
                if (!batch.events().isEmpty() || batch.closed() || !batch.caughtUp() || remaining <= 0) {
                    if (batch.closed()) {
                        close(cursor);
                    }
                    reply.complete(reply("nextBatch", cursor, batch));
                    return;
                }
                awaitAppend(remaining);
            } catch (MongoServerException e) {
                log.warn("getMore on {} failed: {}", cursor, e.getMessageWithoutErrorCode());
                close(cursor);
                reply.complete(errorReply(e));
            } catch (RuntimeException e) {
                log.error("getMore on {} failed", cursor, e);
                close(cursor);
                reply.complete(errorReply(new MongoServerException("internal error in change stream getMore: " + e, e)));
            }
        }

        private void awaitAppend(long remainingNanos) {
            AtomicBoolean settled = new AtomicBoolean();
            AtomicReference<ScheduledFuture<?>> timer = new AtomicReference<>();
            Runnable onAppend = () -> {
                if (settled.compareAndSet(false, true)) {
                    cancel(timer.get());
                    stats.waitWokenByWrite();
                    executor.execute(this::attempt);
                }
            };
            if (!oplog.awaitEntry(cursor.nextSequence(), onAppend)) {
                executor.execute(this::attempt);
                return;
            }
            stats.waitStarted();
            timer.set(executor.schedule(() -> {
                if (settled.compareAndSet(false, true)) {
                    oplog.cancelAwait(onAppend);
                    stats.waitTimedOut();
                    attempt();
                }
            }, remainingNanos, TimeUnit.NANOSECONDS));
            if (settled.get()) {
                cancel(timer.get()); // an append won before the timer existed
            }
        }

        private static void cancel(ScheduledFuture<?> timer) {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }
}

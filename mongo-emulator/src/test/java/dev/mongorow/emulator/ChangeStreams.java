package dev.mongorow.emulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.bson.BsonDocument;

import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoChangeStreamCursor;

/** Test helpers for reading change streams through the driver. */
final class ChangeStreams {

    /** How long a test waits for events it expects; generous, only reached when the emulator is wrong. */
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private ChangeStreams() {
    }

    /** Reads exactly {@code count} events, failing if they do not arrive within {@link #PATIENCE}. */
    static List<BsonDocument> next(MongoChangeStreamCursor<BsonDocument> cursor, int count) {
        List<BsonDocument> events = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (events.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " change events, got " + events.size() + ": " + events);
            }
            BsonDocument event = cursor.tryNext();
            if (event != null) {
                events.add(event);
            }
        }
        return events;
    }

    /** Opens the stream's cursor, reading events as raw BSON (the driver's cast, as mongo-kafka-connect does it). */
    @SuppressWarnings("unchecked")
    static <T> MongoChangeStreamCursor<BsonDocument> open(ChangeStreamIterable<T> stream) {
        return (MongoChangeStreamCursor<BsonDocument>) stream.withDocumentClass(BsonDocument.class).cursor();
    }

    static BsonDocument next(MongoChangeStreamCursor<BsonDocument> cursor) {
        return next(cursor, 1).get(0);
    }
}

package dev.mongorow.emulator.changestream;

import java.time.Instant;

import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import dev.mongorow.emulator.oplog.OperationType;
import dev.mongorow.emulator.oplog.OplogEntry;

/**
 * Builds change events in the format of https://www.mongodb.com/docs/manual/reference/change-events/,
 * fields in the order MongoDB writes them: {@code _id, operationType, clusterTime, wallTime,
 * [fullDocument], ns, [to], [documentKey], [updateDescription]}. A delete never has {@code fullDocument};
 * an update has it only when the stream asked for a lookup.
 */
final class ChangeEventFactory {

    private static final String ID = "_id";

    private final DocumentLookup lookup;

    ChangeEventFactory(DocumentLookup lookup) {
        this.lookup = lookup;
    }

    Document event(OplogEntry entry, ChangeStreamRequest request) {
        OperationType type = entry.operationType();
        Document body = entry.body();
        Document event = header(ResumeToken.at(entry.timestamp()), type.eventName(), entry);
        switch (type) {
            case INSERT, REPLACE -> event.append("fullDocument", body);
            case UPDATE -> {
                if (request.fullDocument().looksUpUpdates()) {
                    event.append("fullDocument", lookUp(entry, body.get(ID), request.fullDocument()));
                }
            }
            default -> {
            }
        }
        if (request.beforeChangeRequested() && (type == OperationType.UPDATE || type == OperationType.REPLACE
            || type == OperationType.DELETE)) {
            event.append("fullDocumentBeforeChange", null);
        }
        Document namespace = new Document("db", entry.database());
        if (entry.collection() != null) {
            namespace.append("coll", entry.collection());
        }
        event.append("ns", namespace);
        if (type == OperationType.RENAME) {
            event.append("to", body.get("to"));
        }
        if (type.isDocumentChange()) {
            event.append("documentKey", new Document(ID, body.get(ID)));
        }
        if (type == OperationType.UPDATE) {
            event.append("updateDescription", body.get("updateDescription"));
        }
        return event;
    }

    /** The event closing a collection or database stream after its namespace went away. */
    Document invalidate(OplogEntry cause) {
        return header(ResumeToken.invalidateAt(cause.timestamp()), "invalidate", cause);
    }

    private static Document header(ResumeToken token, String operationType, OplogEntry entry) {
        return new Document(ID, token.toDocument())
            .append("operationType", operationType)
            .append("clusterTime", new BsonTimestamp(entry.timestamp()))
            .append("wallTime", Instant.ofEpochMilli(entry.wallTimeMillis()));
    }

    private Document lookUp(OplogEntry entry, Object id, FullDocumentMode mode) {
        Document current = lookup.findById(entry.database(), entry.collection(), id);
        if (current == null && mode == FullDocumentMode.REQUIRED) {
            throw ChangeStreamErrors.noMatchingDocument("Change stream was configured to require a post-image for all "
                + "update events, but the post-image was not found for event: " + entry);
        }
        return current;
    }
}

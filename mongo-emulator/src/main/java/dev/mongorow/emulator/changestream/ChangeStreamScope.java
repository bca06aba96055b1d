package dev.mongorow.emulator.changestream;

import dev.mongorow.emulator.oplog.OperationType;
import dev.mongorow.emulator.oplog.OplogEntry;

/**
 * What a change stream watches (the whole deployment, one database or one collection) and how each oplog
 * entry relates to it, following MongoDB: a collection stream reports {@code drop}/{@code rename} of its
 * collection and is then invalidated, and is invalidated without an event by {@code dropDatabase}; a
 * database stream reports {@code dropDatabase} and is then invalidated; a deployment stream is never
 * invalidated.
 */
record ChangeStreamScope(String database, String collection) {

    enum Relevance { IGNORE, EVENT, EVENT_THEN_INVALIDATE, INVALIDATE }

    static ChangeStreamScope cluster() {
        return new ChangeStreamScope(null, null);
    }

    static ChangeStreamScope database(String database) {
        return new ChangeStreamScope(database, null);
    }

    static ChangeStreamScope collection(String database, String collection) {
        return new ChangeStreamScope(database, collection);
    }

    Relevance relevance(OplogEntry entry) {
        OperationType type = entry.operationType();
        if (type == OperationType.NOOP) {
            return Relevance.IGNORE;
        }
        if (database == null) {
            return Relevance.EVENT;
        }
        if (!database.equals(entry.database())) {
            return Relevance.IGNORE;
        }
        if (collection == null) {
            return type == OperationType.DROP_DATABASE ? Relevance.EVENT_THEN_INVALIDATE : Relevance.EVENT;
        }
        if (type == OperationType.DROP_DATABASE) {
            return Relevance.INVALIDATE;
        }
        if (!collection.equals(entry.collection())) {
            return Relevance.IGNORE;
        }
        return type == OperationType.DROP || type == OperationType.RENAME ? Relevance.EVENT_THEN_INVALIDATE : Relevance.EVENT;
    }

    /** The {@code ns} of cursor replies: the collection, or the aggregate command's namespace. */
    String cursorNamespace() {
        if (database == null) {
            return "admin.$cmd.aggregate";
        }
        return collection == null ? database + ".$cmd.aggregate" : database + "." + collection;
    }

    @Override
    public String toString() {
        return database == null ? "deployment" : collection == null ? "database " + database : "collection " + database + "." + collection;
    }
}

package dev.mongorow.emulator.changestream;

import de.bwaldvogel.mongo.exception.MongoServerError;

/** The server errors change streams raise, with MongoDB's codes, code names and messages. */
final class ChangeStreamErrors {

    private ChangeStreamErrors() {
    }

    static MongoServerError historyLost(String detail) {
        return new MongoServerError(286, "ChangeStreamHistoryLost",
            "Resume of change stream was not possible, as the resume point may no longer be in the oplog. (" + detail + ")");
    }

    static MongoServerError resumeAfterInvalidate() {
        return new MongoServerError(260, "InvalidResumeToken",
            "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.");
    }

    static MongoServerError multipleResumeOptions() {
        return new MongoServerError(40674, "Location40674", "Only one type of resume option is allowed, but multiple were found.");
    }

    static MongoServerError resumeTokenModified() {
        return new MongoServerError(280, "ChangeStreamFatalError",
            "Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. "
                + "Modifying the _id field of an event makes it impossible to resume the stream from that point.");
    }

    static MongoServerError illegalStage(String stage) {
        return new MongoServerError(20, "IllegalOperation", stage + " is not permitted in a $changeStream pipeline");
    }

    static MongoServerError unknownField(String field) {
        return new MongoServerError(40415, "Location40415", "BSON field '$changeStream." + field + "' is an unknown field.");
    }

    static MongoServerError badValue(String message) {
        return new MongoServerError(2, "BadValue", message);
    }

    static MongoServerError invalidNamespace(String message) {
        return new MongoServerError(73, "InvalidNamespace", message);
    }

    static MongoServerError noMatchingDocument(String message) {
        return new MongoServerError(47, "NoMatchingDocument", message);
    }

    static MongoServerError cursorKilled(long cursorId) {
        return new MongoServerError(237, "CursorKilled", "cursor id " + cursorId + " was killed while a getMore waited for it");
    }
}

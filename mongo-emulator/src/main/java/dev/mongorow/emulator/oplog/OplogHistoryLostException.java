package dev.mongorow.emulator.oplog;

/** A reader asked for history the bounded oplog has already dropped. */
public final class OplogHistoryLostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    OplogHistoryLostException(String message) {
        super(message);
    }
}

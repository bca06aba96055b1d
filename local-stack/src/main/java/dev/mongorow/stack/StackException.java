package dev.mongorow.stack;

/** A component could not be started, stopped or reached; the message is meant for a person. */
public class StackException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.mongorow.emulator.oplog;

/**
 * What an oplog entry records. The names are MongoDB's change event {@code operationType} values;
 * {@link #NOOP} is the periodic no-op a replica-set primary writes while idle, which advances the
 * streams' resume points without producing an event.
 */
public enum OperationType {
    INSERT("insert", 'i'),
    UPDATE("update", 'u'),
    REPLACE("replace", 'r'),
    DELETE("delete", 'd'),
    DROP("drop", 'D'),
    RENAME("rename", 'R'),
    DROP_DATABASE("dropDatabase", 'X'),
    NOOP("noop", 'n');

    private final String eventName;
    private final char code;

    OperationType(String eventName, char code) {
        this.eventName = eventName;
        this.code = code;
    }

    /** The change event's {@code operationType}. */
    public String eventName() {
        return eventName;
    }

    /** Stable one-character code used in the persisted form; never reorder-sensitive like an ordinal. */
    char code() {
        return code;
    }

    static OperationType fromCode(char code) {
        for (OperationType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown oplog operation code '" + code + "'");
    }

    /** Whether the entry describes a document (and so carries a {@code documentKey}). */
    public boolean isDocumentChange() {
        return this == INSERT || this == UPDATE || this == REPLACE || this == DELETE;
    }
}

package dev.mongorow.emulator.changestream;

/** The {@code fullDocument} option of {@code $changeStream}. */
enum FullDocumentMode {
    /** Only insert and replace events carry the document. */
    DEFAULT("default"),
    /** Update events carry the current version of the document, or null if it is gone. */
    UPDATE_LOOKUP("updateLookup"),
    /** As {@link #UPDATE_LOOKUP} (the emulator has no stored post-images; it looks the document up). */
    WHEN_AVAILABLE("whenAvailable"),
    /** As {@link #UPDATE_LOOKUP}, but a missing document fails the stream. */
    REQUIRED("required");

    private final String optionValue;

    FullDocumentMode(String optionValue) {
        this.optionValue = optionValue;
    }

    static FullDocumentMode parse(Object value) {
        if (value == null) {
            return DEFAULT;
        }
        for (FullDocumentMode mode : values()) {
            if (mode.optionValue.equals(value)) {
                return mode;
            }
        }
        throw ChangeStreamErrors.badValue("unsupported value for fullDocument: '" + value
            + "' (expected default, updateLookup, whenAvailable or required)");
    }

    boolean looksUpUpdates() {
        return this != DEFAULT;
    }
}

package dev.mongorow.emulator.changestream;

import java.util.Locale;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.ErrorCode;
import de.bwaldvogel.mongo.exception.MongoServerError;

/**
 * A change stream resume token: {@code {_data: "<hex>"}}, like MongoDB's.
 *
 * <p>The hex string is {@code 82}, the oplog position (a BSON timestamp value) as 16 hex digits, and a
 * two-digit kind. Positions are unique and strictly increasing and the width is fixed, so tokens sort
 * like the events they name, as MongoDB's do. The same position serves as event token and as
 * post-batch ("high water mark") token: both mean "everything after this point". The invalidate kind marks
 * the token of an {@code invalidate} event, which MongoDB allows to {@code startAfter} but not to
 * {@code resumeAfter}.
 */
public record ResumeToken(long position, boolean invalidate) {

    private static final String DATA_FIELD = "_data";
    private static final String PREFIX = "82";
    private static final String EVENT_KIND = "01";
    private static final String INVALIDATE_KIND = "02";
    private static final int HEX_LENGTH = PREFIX.length() + 16 + 2;

    public static ResumeToken at(long position) {
        return new ResumeToken(position, false);
    }

    public static ResumeToken invalidateAt(long position) {
        return new ResumeToken(position, true);
    }

    public Document toDocument() {
        String hex = PREFIX + String.format(Locale.ROOT, "%016X", position) + (invalidate ? INVALIDATE_KIND : EVENT_KIND);
        return new Document(DATA_FIELD, hex);
    }

    /**
     * Parses a token a client sent back.
     *
     * @throws MongoServerError FailedToParse when it is not a token this server issued
     */
    public static ResumeToken parse(Object value) {
        if (!(value instanceof Document document) || !(document.get(DATA_FIELD) instanceof String hex)) {
            throw invalid("resume token must be a document with a string field '_data', got: " + value);
        }
        if (hex.length() != HEX_LENGTH || !hex.startsWith(PREFIX)) {
            throw invalid("resume token string was not a valid hex string: " + hex);
        }
        String kind = hex.substring(HEX_LENGTH - 2);
        if (!kind.equals(EVENT_KIND) && !kind.equals(INVALIDATE_KIND)) {
            throw invalid("resume token has an unknown kind '" + kind + "': " + hex);
        }
        try {
            long position = Long.parseUnsignedLong(hex.substring(PREFIX.length(), HEX_LENGTH - 2), 16);
            return new ResumeToken(position, kind.equals(INVALIDATE_KIND));
        } catch (NumberFormatException e) {
            throw invalid("resume token string was not a valid hex string: " + hex);
        }
    }

    private static MongoServerError invalid(String message) {
        return new MongoServerError(ErrorCode.FailedToParse, message);
    }
}

package dev.mongorow.emulator.changestream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;

class ResumeTokenTest {

    @Test
    void roundTripsAndKeepsTheInvalidateFlag() {
        long position = (1_767_225_600L << 32) | 42;
        assertEquals(ResumeToken.at(position), ResumeToken.parse(ResumeToken.at(position).toDocument()));
        assertEquals(ResumeToken.invalidateAt(position), ResumeToken.parse(ResumeToken.invalidateAt(position).toDocument()));
    }

    @Test
    void tokensSortLikeTheirPositions() {
        long earlier = (1_767_225_600L << 32) | 0xFFFFFFFFL;
        long later = (1_767_225_601L << 32) | 1;
        String a = (String) ResumeToken.at(earlier).toDocument().get("_data");
        String b = (String) ResumeToken.at(later).toDocument().get("_data");
        assertTrue(a.compareTo(b) < 0, a + " < " + b);
    }

    @Test
    void foreignTokensFailToParse() {
        for (Object foreign : new Object[] {null, "x", new Document("_data", "zz"), new Document("_data", 5),
            new Document("_data", "8263A1B2C3000000012B022C0100296E5A1004")}) {
            MongoServerError error = assertThrows(MongoServerError.class, () -> ResumeToken.parse(foreign));
            assertEquals(9, error.getCode());
        }
    }
}

package dev.mongorow.emulator.changestream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import de.bwaldvogel.mongo.bson.Document;

class UpdateDescriptionsTest {

    private static Document doc(Object... keysAndValues) {
        Document document = new Document();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            document.append((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return document;
    }

    private static Document describe(Document before, Document after, Document update) {
        return UpdateDescriptions.describe(before, after, update);
    }

    @Test
    void changedAddedAndRemovedTopLevelFields() {
        Document description = describe(doc("_id", 1, "a", 1, "b", 2, "c", 3), doc("_id", 1, "a", 10, "c", 3, "d", 4),
            doc("$set", doc("a", 10, "d", 4), "$unset", doc("b", "")));
        assertEquals(doc("a", 10, "d", 4), description.get("updatedFields"));
        assertEquals(List.of("b"), description.get("removedFields"));
        assertEquals(List.of(), description.get("truncatedArrays"));
    }

    @Test
    void nestedChangesUseDottedPathsUnlessTheParentWasSetAsAWhole() {
        Document before = doc("_id", 1, "address", doc("city", "Paris", "zip", "75001"));
        Document after = doc("_id", 1, "address", doc("city", "Oslo", "zip", "75001"));
        assertEquals(doc("address.city", "Oslo"),
            describe(before, after, doc("$set", doc("address.city", "Oslo"))).get("updatedFields"));
        assertEquals(doc("address", doc("city", "Oslo", "zip", "75001")),
            describe(before, after, doc("$set", doc("address", after.get("address")))).get("updatedFields"));
    }

    @Test
    void arrays() {
        Document before = doc("_id", 1, "tags", List.of("a", "b", "c"));
        assertEquals(doc("tags.3", "d"),
            describe(before, doc("_id", 1, "tags", List.of("a", "b", "c", "d")), doc("$push", doc("tags", "d"))).get("updatedFields"));
        Document popped = describe(before, doc("_id", 1, "tags", List.of("a", "b")), doc("$pop", doc("tags", 1)));
        assertEquals(List.of(doc("field", "tags", "newSize", 2)), popped.get("truncatedArrays"));
        assertEquals(doc(), popped.get("updatedFields"));
        assertEquals(doc("tags.1", "x"),
            describe(before, doc("_id", 1, "tags", List.of("a", "x", "c")), doc("$set", doc("tags.1", "x"))).get("updatedFields"));
        assertEquals(doc("tags", List.of("a", "c")),
            describe(before, doc("_id", 1, "tags", List.of("a", "c")), doc("$pull", doc("tags", "b"))).get("updatedFields"));
    }

    @Test
    void aChangeOfNumericTypeIsAChange() {
        assertEquals(doc("n", 1L), describe(doc("_id", 1, "n", 1), doc("_id", 1, "n", 1L), doc("$set", doc("n", 1L)))
            .get("updatedFields"));
    }
}

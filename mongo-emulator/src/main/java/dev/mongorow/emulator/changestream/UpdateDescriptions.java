package dev.mongorow.emulator.changestream;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import de.bwaldvogel.mongo.bson.Document;

/**
 * Computes an update event's {@code updateDescription} from the document before and after the update.
 *
 * <p>MongoDB derives it from the update's oplog delta; we derive it from the two images, using the update
 * operators only to pick the granularity MongoDB reports:
 * <ul>
 *   <li>a field named by a whole-value operator ({@code $set}, {@code $inc}, ...) is reported as a whole,
 *       {@code {"address": {...}}}, while a change below an untouched parent is reported by its dotted path,
 *       {@code {"address.city": "Oslo"}};</li>
 *   <li>arrays: appended elements are reported as {@code "tags.3"}, a shortened array as a
 *       {@code truncatedArrays} entry (plus any changed elements), same-length changes element by element,
 *       any other rewrite as the whole array;</li>
 *   <li>fields that disappeared are listed in {@code removedFields}.</li>
 * </ul>
 */
public final class UpdateDescriptions {

    private static final Set<String> WHOLE_VALUE_OPERATORS = Set.of(
        "$set", "$setOnInsert", "$inc", "$mul", "$min", "$max", "$currentDate", "$bit");

    private final Set<String> wholeValuePaths;
    private final Document updatedFields = new Document();
    private final List<String> removedFields = new ArrayList<>();
    private final List<Document> truncatedArrays = new ArrayList<>();

    private UpdateDescriptions(Set<String> wholeValuePaths) {
        this.wholeValuePaths = wholeValuePaths;
    }

    /**
     * @param updateSpec the operator update that turned {@code before} into {@code after}, or null if unknown
     */
    public static Document describe(Document before, Document after, Document updateSpec) {
        UpdateDescriptions diff = new UpdateDescriptions(wholeValuePaths(updateSpec));
        diff.diffDocuments("", before, after);
        return new Document()
            .append("updatedFields", diff.updatedFields)
            .append("removedFields", diff.removedFields)
            .append("truncatedArrays", diff.truncatedArrays);
    }

    private static Set<String> wholeValuePaths(Document updateSpec) {
        Set<String> paths = new HashSet<>();
        if (updateSpec == null) {
            return paths;
        }
        for (Map.Entry<String, Object> operator : updateSpec.entrySet()) {
            if (WHOLE_VALUE_OPERATORS.contains(operator.getKey()) && operator.getValue() instanceof Document fields) {
                paths.addAll(fields.keySet());
            } else if ("$rename".equals(operator.getKey()) && operator.getValue() instanceof Document renames) {
                renames.values().forEach(target -> paths.add(String.valueOf(target)));
            }
        }
        return paths;
    }

    private void diffDocuments(String prefix, Document before, Document after) {
        for (Map.Entry<String, Object> field : after.entrySet()) {
            String path = prefix + field.getKey();
            if (!before.containsKey(field.getKey())) {
                updatedFields.put(path, field.getValue());
            } else {
                diffValues(path, before.get(field.getKey()), field.getValue());
            }
        }
        for (String field : before.keySet()) {
            if (!after.containsKey(field)) {
                removedFields.add(prefix + field);
            }
        }
    }

    private void diffValues(String path, Object before, Object after) {
        if (sameValue(before, after)) {
            return;
        }
        if (wholeValuePaths.contains(path)) {
            updatedFields.put(path, after);
        } else if (before instanceof Document beforeDocument && after instanceof Document afterDocument) {
            diffDocuments(path + ".", beforeDocument, afterDocument);
        } else if (before instanceof List<?> beforeList && after instanceof List<?> afterList) {
            diffArrays(path, beforeList, afterList);
        } else {
            updatedFields.put(path, after);
        }
    }

    private void diffArrays(String path, List<?> before, List<?> after) {
        int common = Math.min(before.size(), after.size());
        if (after.size() == before.size()) {
            for (int i = 0; i < common; i++) {
                diffValues(path + "." + i, before.get(i), after.get(i));
            }
        } else if (after.size() > before.size() && isPrefix(before, after)) {
            for (int i = before.size(); i < after.size(); i++) {
                updatedFields.put(path + "." + i, after.get(i));
            }
        } else if (after.size() < before.size() && isPrefix(after, before)) {
            truncatedArrays.add(new Document("field", path).append("newSize", after.size()));
        } else {
            updatedFields.put(path, after);
        }
    }

    private static boolean isPrefix(List<?> shorter, List<?> longer) {
        for (int i = 0; i < shorter.size(); i++) {
            if (!sameValue(shorter.get(i), longer.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Equal and of the same BSON type: an int32 1 replaced by an int64 1 is a change. */
    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Document || a instanceof List<?>) {
            return Objects.equals(a, b) && deepSameTypes(a, b);
        }
        return Objects.equals(a, b) && (a == null || a.getClass() == b.getClass());
    }

    private static boolean deepSameTypes(Object a, Object b) {
        if (a instanceof Document documentA && b instanceof Document documentB) {
            for (Map.Entry<String, Object> field : documentA.entrySet()) {
                if (!sameValue(field.getValue(), documentB.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> listA && b instanceof List<?> listB) {
            for (int i = 0; i < listA.size(); i++) {
                if (!sameValue(listA.get(i), listB.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return true;
    }
}

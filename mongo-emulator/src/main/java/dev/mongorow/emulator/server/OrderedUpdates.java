package dev.mongorow.emulator.server;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;

/**
 * An ordered {@code update} command as MongoDB runs it: the statements one after the other, and the first write
 * error ends the command; the statements after it are not executed, and the reply's {@code writeErrors} holds
 * that one error with its index in the command.
 *
 * <p>mongo-java-server 1.47 reads {@code ordered} but goes on after a failed statement, so a replace that fails
 * (an {@code _id} of type array, say) does not stop the ones behind it. A client that relies on MongoDB's
 * semantics then sees the wrong picture: mongo-kafka-connect's sink reports every record after the failed one as
 * skipped (dead-lettered, not written), while the emulator has written them. This runs each statement as an
 * update command of its own through the library, stops at the first write error, and builds the reply MongoDB
 * would give ({@code n}, {@code nModified}, {@code upserted} and {@code writeErrors} with indexes in the whole
 * command). Unordered commands, and commands of a single statement, are left to the library.
 */
final class OrderedUpdates {

    private OrderedUpdates() {
    }

    /** An update command with more than one statement that is ordered ({@code ordered} absent means ordered). */
    static boolean applies(String command, Document query) {
        if (!"update".equalsIgnoreCase(command) || !(query.get("updates") instanceof List<?> updates) || updates.size() < 2) {
            return false;
        }
        Object ordered = query.get("ordered");
        return ordered == null || Utils.isTrue(ordered);
    }

    /**
     * Runs the statements of {@code query} one by one through {@code single} (the library's update command),
     * stopping at the first write error.
     */
    static Document run(Document query, UnaryOperator<Document> single) {
        @SuppressWarnings("unchecked")
        List<Object> updates = (List<Object>) query.get("updates");
        long n = 0;
        long nModified = 0;
        List<Document> upserted = new ArrayList<>();
        List<Document> writeErrors = new ArrayList<>();
        for (int i = 0; i < updates.size() && writeErrors.isEmpty(); i++) {
            Document statement = new Document(query);
            statement.put("updates", List.of(updates.get(i)));
            Document reply = single.apply(statement);
            n += number(reply.get("n"));
            nModified += number(reply.get("nModified"));
            if (reply.get("upserted") instanceof List<?> list) {
                for (Object u : list) {
                    upserted.add(new Document("index", i).append("_id", ((Document) u).get("_id")));
                }
            }
            if (reply.get("writeErrors") instanceof List<?> errors && !errors.isEmpty()) {
                Document error = new Document((Document) errors.get(0));
                error.put("index", i);
                writeErrors.add(error);
            }
        }
        Document response = new Document();
        response.put("n", (int) n);
        response.put("nModified", (int) nModified);
        if (!upserted.isEmpty()) {
            response.put("upserted", upserted);
        }
        if (!writeErrors.isEmpty()) {
            response.put("writeErrors", writeErrors);
        }
        Utils.markOkay(response);
        return response;
    }

    private static long number(Object value) {
        return value instanceof Number number ? number.longValue() : 0;
    }
}

package dev.mongorow.emulator.changestream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;

/**
 * An {@code aggregate} command whose pipeline starts with {@code $changeStream}, parsed and validated
 * as MongoDB does: where it may be opened, which options and pipeline stages it accepts.
 */
final class ChangeStreamRequest {

    static final String CHANGE_STREAM_STAGE = "$changeStream";

    /** The aggregate default when the command gives no {@code cursor.batchSize}. */
    private static final int DEFAULT_FIRST_BATCH_SIZE = 101;

    private static final Set<String> KNOWN_OPTIONS = Set.of("fullDocument", "fullDocumentBeforeChange", "resumeAfter",
        "startAfter", "startAtOperationTime", "allChangesForCluster", "showExpandedEvents");
    /** The stages MongoDB allows after $changeStream. */
    private static final Set<String> ALLOWED_STAGES = Set.of("$match", "$project", "$addFields", "$set", "$unset",
        "$replaceRoot", "$replaceWith", "$redact");
    private static final Set<String> INTERNAL_DATABASES = Set.of("admin", "local", "config");

    private final ChangeStreamScope scope;
    private final FullDocumentMode fullDocument;
    private final boolean beforeChangeRequested;
    private final ResumeToken resumeAfter;
    private final ResumeToken startAfter;
    private final BsonTimestamp startAtOperationTime;
    private final List<Document> stages;
    private final int firstBatchSize;

    private ChangeStreamRequest(ChangeStreamScope scope, Document options, List<Document> stages, int firstBatchSize) {
        this.scope = scope;
        this.fullDocument = FullDocumentMode.parse(options.get("fullDocument"));
        this.beforeChangeRequested = parseBeforeChange(options.get("fullDocumentBeforeChange"));
        this.resumeAfter = options.containsKey("resumeAfter") ? ResumeToken.parse(options.get("resumeAfter")) : null;
        this.startAfter = options.containsKey("startAfter") ? ResumeToken.parse(options.get("startAfter")) : null;
        Object operationTime = options.get("startAtOperationTime");
        if (operationTime != null && !(operationTime instanceof BsonTimestamp)) {
            throw ChangeStreamErrors.badValue("startAtOperationTime must be a timestamp, got: " + operationTime);
        }
        this.startAtOperationTime = (BsonTimestamp) operationTime;
        int startOptions = (resumeAfter != null ? 1 : 0) + (startAfter != null ? 1 : 0) + (startAtOperationTime != null ? 1 : 0);
        if (startOptions > 1) {
            throw ChangeStreamErrors.multipleResumeOptions();
        }
        this.stages = stages;
        this.firstBatchSize = firstBatchSize;
    }

    static boolean isChangeStream(Document aggregateCommand) {
        return aggregateCommand.get("pipeline") instanceof List<?> pipeline && !pipeline.isEmpty()
            && pipeline.get(0) instanceof Document first && first.containsKey(CHANGE_STREAM_STAGE);
    }

    static ChangeStreamRequest parse(String databaseName, Document command) {
        List<Document> pipeline = Aggregation.parse(command.get("pipeline"));
        if (!(pipeline.get(0).get(CHANGE_STREAM_STAGE) instanceof Document options)) {
            throw ChangeStreamErrors.badValue("the $changeStream stage specification must be an object");
        }
        for (String option : options.keySet()) {
            if (!KNOWN_OPTIONS.contains(option)) {
                throw ChangeStreamErrors.unknownField(option);
            }
        }
        ChangeStreamScope scope = scope(databaseName, command.get("aggregate"), Boolean.TRUE.equals(options.get("allChangesForCluster")));
        List<Document> stages = new ArrayList<>();
        for (Document stage : pipeline.subList(1, pipeline.size())) {
            stages.add(normalizeStage(stage));
        }
        return new ChangeStreamRequest(scope, options, stages, firstBatchSize(command));
    }

    private static ChangeStreamScope scope(String databaseName, Object aggregateTarget, boolean allChangesForCluster) {
        if (allChangesForCluster) {
            if (!"admin".equals(databaseName) || aggregateTarget instanceof String) {
                throw ChangeStreamErrors.invalidNamespace(
                    "$changeStream with allChangesForCluster must be run against the 'admin' database with {aggregate: 1}");
            }
            return ChangeStreamScope.cluster();
        }
        if (INTERNAL_DATABASES.contains(databaseName)) {
            throw ChangeStreamErrors.invalidNamespace("$changeStream may not be opened on the internal " + databaseName + " database");
        }
        if (aggregateTarget instanceof String collection) {
            if (collection.startsWith("system.")) {
                throw ChangeStreamErrors.invalidNamespace("$changeStream may not be opened on the internal "
                    + databaseName + "." + collection + " collection");
            }
            return ChangeStreamScope.collection(databaseName, collection);
        }
        if (aggregateTarget instanceof Number number && number.intValue() == 1) {
            return ChangeStreamScope.database(databaseName);
        }
        throw ChangeStreamErrors.badValue("aggregate must name a collection or be 1, got: " + aggregateTarget);
    }

    /** Validates a stage and maps the aliases the aggregation engine lacks to their equivalents. */
    private static Document normalizeStage(Document stage) {
        if (stage.size() != 1) {
            throw ChangeStreamErrors.badValue("a pipeline stage specification object must contain exactly one field: " + stage);
        }
        Map.Entry<String, Object> spec = stage.entrySet().iterator().next();
        if (!ALLOWED_STAGES.contains(spec.getKey())) {
            throw ChangeStreamErrors.illegalStage(spec.getKey());
        }
        return switch (spec.getKey()) {
            case "$set" -> new Document("$addFields", spec.getValue());
            case "$replaceWith" -> new Document("$replaceRoot", new Document("newRoot", spec.getValue()));
            default -> stage;
        };
    }

    private static boolean parseBeforeChange(Object value) {
        if (value == null || "off".equals(value)) {
            return false;
        }
        if ("whenAvailable".equals(value)) {
            return true;
        }
        if ("required".equals(value)) {
            throw ChangeStreamErrors.noMatchingDocument(
                "fullDocumentBeforeChange: 'required' is not supported: this server records no pre-images");
        }
        throw ChangeStreamErrors.badValue("unsupported value for fullDocumentBeforeChange: '" + value + "'");
    }

    private static int firstBatchSize(Document command) {
        if (command.get("cursor") instanceof Document cursor && cursor.get("batchSize") instanceof Number batchSize) {
            return batchSize.intValue();
        }
        return DEFAULT_FIRST_BATCH_SIZE;
    }

    ChangeStreamScope scope() {
        return scope;
    }

    FullDocumentMode fullDocument() {
        return fullDocument;
    }

    /** {@code fullDocumentBeforeChange: whenAvailable}: the field is present, and null (no pre-images are recorded). */
    boolean beforeChangeRequested() {
        return beforeChangeRequested;
    }

    ResumeToken resumeAfter() {
        return resumeAfter;
    }

    ResumeToken startAfter() {
        return startAfter;
    }

    BsonTimestamp startAtOperationTime() {
        return startAtOperationTime;
    }

    List<Document> stages() {
        return stages;
    }

    int firstBatchSize() {
        return firstBatchSize;
    }
}

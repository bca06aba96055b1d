package dev.mongorow.emulator.storage;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;

/**
 * An in-memory collection that reports each insert, update, replace and delete (including those of
 * findAndModify and upserts) to the {@link ChangeCapture}, with the exact before and after images.
 * The hooks run under the collection's lock, which the superclass holds for every write.
 */
final class CapturingMemoryCollection extends MemoryCollection {

    CapturingMemoryCollection(MongoDatabase database, String collectionName, CollectionOptions options,
                              CursorRegistry cursorRegistry) {
        super(database, collectionName, options, cursorRegistry);
    }

    @Override
    public synchronized void addDocument(Document document) {
        super.addDocument(document);
        ChangeCapture.inserted(this, document);
    }

    @Override
    protected void removeDocument(Integer position) {
        Document removed = getDocument(position);
        super.removeDocument(position);
        ChangeCapture.deleted(this, removed);
    }

    @Override
    protected void handleUpdate(Integer position, Document oldDocument, Document newDocument) {
        super.handleUpdate(position, oldDocument, newDocument);
        ChangeCapture.updated(this, oldDocument, newDocument);
    }

    @Override
    public synchronized Document updateDocuments(Document selector, Document update, ArrayFilters arrayFilters,
                                                 boolean isMulti, boolean isUpsert, Oplog oplog) {
        return ChangeCapture.withUpdate(update,
            () -> super.updateDocuments(selector, update, arrayFilters, isMulti, isUpsert, oplog));
    }

    @Override
    public synchronized Document findAndModify(Document query) {
        return ChangeCapture.withUpdate(query.get("update"), () -> super.findAndModify(query));
    }
}

package dev.mongorow.emulator.storage;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;

/** An in-memory database made of {@link CapturingMemoryCollection}s. */
final class CapturingMemoryDatabase extends MemoryDatabase implements ChangeCapturingDatabase {

    private final ChangeCapture changeCapture;

    CapturingMemoryDatabase(String databaseName, CursorRegistry cursorRegistry, ChangeCapture changeCapture) {
        super(databaseName, cursorRegistry);
        this.changeCapture = changeCapture;
    }

    @Override
    public ChangeCapture changeCapture() {
        return changeCapture;
    }

    @Override
    public void moveCollection(MongoDatabase oldDatabase, MongoCollection<?> collection, String newCollectionName) {
        changeCapture.renamed(collection, getDatabaseName(), newCollectionName,
            () -> super.moveCollection(oldDatabase, collection, newCollectionName));
    }

    @Override
    protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
        return new CapturingMemoryCollection(this, collectionName, options, cursorRegistry);
    }
}

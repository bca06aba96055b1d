package dev.mongorow.emulator.storage;

import java.util.Set;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import dev.mongorow.emulator.oplog.OplogPersistence;

/** Data and oplog on the heap only: everything is gone when the process ends. */
final class MemoryStorageEngine implements StorageEngine {

    @Override
    public MongoDatabase openDatabase(String databaseName, CursorRegistry cursorRegistry, ChangeCapture changeCapture) {
        return new CapturingMemoryDatabase(databaseName, cursorRegistry, changeCapture);
    }

    @Override
    public Set<String> existingDatabaseNames() {
        return Set.of();
    }

    @Override
    public OplogPersistence oplogPersistence() {
        return OplogPersistence.NONE;
    }

    @Override
    public String description() {
        return "in-memory";
    }

    @Override
    public void close() {
    }
}

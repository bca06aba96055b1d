package dev.mongorow.emulator.storage;

import java.nio.file.Path;
import java.util.Set;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import dev.mongorow.emulator.oplog.OplogPersistence;

/** Where the emulator keeps its databases and its oplog. */
public interface StorageEngine extends AutoCloseable {

    MongoDatabase openDatabase(String databaseName, CursorRegistry cursorRegistry, ChangeCapture changeCapture);

    /** Databases that already hold data when the emulator starts. */
    Set<String> existingDatabaseNames();

    OplogPersistence oplogPersistence();

    /** For log and status lines, e.g. "in-memory" or "persistent at /data". */
    String description();

    @Override
    void close();

    static StorageEngine inMemory() {
        return new MemoryStorageEngine();
    }

    static StorageEngine persistent(Path dataDirectory) {
        return new H2StorageEngine(dataDirectory);
    }
}

package dev.mongorow.emulator.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import dev.mongorow.emulator.oplog.MvStoreOplogPersistence;
import dev.mongorow.emulator.oplog.OplogPersistence;

/**
 * Data and oplog in one H2 MVStore file in the data directory. The store commits in the background about
 * once a second and on close, so a clean stop loses nothing and a crash loses at most the last second,
 * data and oplog alike.
 */
final class H2StorageEngine implements StorageEngine {

    private static final Logger log = LoggerFactory.getLogger(H2StorageEngine.class);
    static final String STORE_FILE = "mongo-emulator.mv.db";

    private final Path storeFile;
    private final MVStore store;

    H2StorageEngine(Path dataDirectory) {
        this.storeFile = dataDirectory.toAbsolutePath().resolve(STORE_FILE);
        try {
            Files.createDirectories(storeFile.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + storeFile.getParent(), e);
        }
        try {
            this.store = new MVStore.Builder().fileName(storeFile.toString()).open();
        } catch (MVStoreException e) {
            throw new IllegalStateException("cannot open " + storeFile + " (is another emulator using this data directory?): "
                + e.getMessage(), e);
        }
        StoreFormat.upgrade(store);
        log.info("opened store {}", storeFile);
    }

    @Override
    public MongoDatabase openDatabase(String databaseName, CursorRegistry cursorRegistry, ChangeCapture changeCapture) {
        return new CapturingH2Database(databaseName, store, cursorRegistry, changeCapture);
    }

    @Override
    public Set<String> existingDatabaseNames() {
        Set<String> names = new TreeSet<>();
        for (String mapName : store.getMapNames()) {
            if (mapName.startsWith(CapturingH2Database.DATA_MAP_PREFIX)) {
                String namespace = mapName.substring(CapturingH2Database.DATA_MAP_PREFIX.length());
                names.add(namespace.substring(0, namespace.indexOf('.')));
            }
        }
        return names;
    }

    @Override
    public OplogPersistence oplogPersistence() {
        return new MvStoreOplogPersistence(store);
    }

    @Override
    public String description() {
        return "persistent at " + storeFile.getParent();
    }

    @Override
    public void close() {
        if (!store.isClosed()) {
            store.close();
            log.info("closed store {}", storeFile);
        }
    }
}

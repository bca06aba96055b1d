package dev.mongorow.emulator.storage;

import java.util.List;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;

/** An H2 MVStore database made of {@link CapturingH2Collection}s. */
final class CapturingH2Database extends H2Database implements ChangeCapturingDatabase {

    /** Map names H2Database uses for a collection's data, meta data and indexes (it drops them itself). */
    static final String DATA_MAP_PREFIX = "databases.";
    private static final String META_MAP_PREFIX = "meta.";
    static final String INDEX_MAP_INFIX = "._index_";

    private final MVStore store;
    private final ChangeCapture changeCapture;
    private final boolean constructed;

    CapturingH2Database(String databaseName, MVStore store, CursorRegistry cursorRegistry, ChangeCapture changeCapture) {
        super(databaseName, store, cursorRegistry);
        this.store = store;
        this.changeCapture = changeCapture;
        this.constructed = true;
        super.initializeNamespacesAndIndexes();
    }

    /**
     * H2Database's constructor calls this, and it opens the existing collections through
     * {@link #openOrCreateCollection}, which needs this class's fields: run it once they are assigned.
     */
    @Override
    protected void initializeNamespacesAndIndexes() {
        if (constructed) {
            super.initializeNamespacesAndIndexes();
        }
    }

    @Override
    public ChangeCapture changeCapture() {
        return changeCapture;
    }

    @Override
    public void moveCollection(MongoDatabase oldDatabase, MongoCollection<?> collection, String newCollectionName) {
        String oldFullName = collection.getFullName();
        changeCapture.renamed(collection, getDatabaseName(), newCollectionName, () -> {
            super.moveCollection(oldDatabase, collection, newCollectionName);
            relocateMaps(oldFullName, getFullCollectionNamespace(newCollectionName));
        });
    }

    /**
     * Renames the collection's data, meta and index maps to the new namespace. H2Database itself renames
     * maps named after the collection's new name (it reads the name after the move), which leaves the data
     * under the old name, and a restart would find the renamed collection empty.
     */
    private void relocateMaps(String oldFullName, String newFullName) {
        String oldIndexPrefix = oldFullName + INDEX_MAP_INFIX;
        for (String mapName : store.getMapNames()) {
            String target = null;
            if (mapName.equals(DATA_MAP_PREFIX + oldFullName)) {
                target = DATA_MAP_PREFIX + newFullName;
            } else if (mapName.equals(META_MAP_PREFIX + oldFullName)) {
                target = META_MAP_PREFIX + newFullName;
            } else if (mapName.startsWith(oldIndexPrefix)) {
                target = newFullName + INDEX_MAP_INFIX + mapName.substring(oldIndexPrefix.length());
            }
            if (target != null) {
                if (store.hasMap(target)) {
                    store.removeMap(target);
                }
                store.renameMap(StoreFormat.open(store, mapName), target);
            }
        }
    }

    /** Opens the index map with its {@link StoreFormat} types first; H2Database then gets that map by name. */
    @Override
    protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys,
                                                    boolean sparse) {
        store.openMap(getFullCollectionNamespace(collectionName) + INDEX_MAP_INFIX + indexName, StoreFormat.indexMap());
        return super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
    }

    @Override
    protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
        String fullName = getFullCollectionNamespace(collectionName);
        MVMap<Object, Document> dataMap = store.openMap(DATA_MAP_PREFIX + fullName, StoreFormat.dataMap());
        MVMap<String, Object> metaMap = store.openMap(META_MAP_PREFIX + fullName);
        return new CapturingH2Collection(this, collectionName, options, dataMap, metaMap, cursorRegistry);
    }
}

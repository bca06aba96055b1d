package dev.mongorow.emulator.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;

/**
 * How the emulator's maps are typed in its H2 store, and the one-time upgrade of a store written before:
 * index maps compare their keys with {@link IndexKeyType}, collection data maps hold documents as BSON
 * ({@link DocumentValueType}). Every map of those kinds must be opened through {@link #indexMap()} or
 * {@link #dataMap()}; H2 hands out the map already open under a name, so mongo-java-server's own
 * {@code openMap(name)} calls then get the typed map.
 */
final class StoreFormat {

    private static final Logger log = LoggerFactory.getLogger(StoreFormat.class);

    /** Our own map of store-level facts, beside the maps mongo-java-server names. */
    static final String META_MAP = "mongorow.store";
    static final String FORMAT_KEY = "format";
    /** 1 (or no marker): H2's default types everywhere. 2: the typed index and data maps of this class. */
    static final int CURRENT = 2;

    private StoreFormat() {
    }

    static MVMap.Builder<KeyValue, Object> indexMap() {
        return new MVMap.Builder<KeyValue, Object>().keyType(new IndexKeyType());
    }

    static MVMap.Builder<Object, Document> dataMap() {
        return new MVMap.Builder<Object, Document>().valueType(new DocumentValueType());
    }

    static boolean isIndexMap(String mapName) {
        return mapName.contains(CapturingH2Database.INDEX_MAP_INFIX);
    }

    static boolean isDataMap(String mapName) {
        return mapName.startsWith(CapturingH2Database.DATA_MAP_PREFIX);
    }

    /** Opens a map of the store under its format's types, whatever its kind. */
    static MVMap<?, ?> open(MVStore store, String mapName) {
        if (isIndexMap(mapName)) {
            return store.openMap(mapName, indexMap());
        }
        return isDataMap(mapName) ? store.openMap(mapName, dataMap()) : store.openMap(mapName);
    }

    /**
     * Brings a store written in an older format to the current one, once: each index and data map is copied
     * in its stored order into a new map of the current types, which then takes its name, all in one commit.
     * A new store, or one already current, is only marked.
     */
    static void upgrade(MVStore store) {
        MVMap<String, Integer> meta = store.openMap(META_MAP);
        Integer format = meta.get(FORMAT_KEY);
        if (format != null && format == CURRENT) {
            return;
        }
        if (format != null && format > CURRENT) {
            throw new IllegalStateException("the store is in format " + format + ", newer than this emulator's "
                + CURRENT + ": use the emulator version that wrote it, or a fresh data directory");
        }
        // one commit for the whole upgrade: a stop half way leaves the store as it was, never half converted
        int autoCommitDelay = store.getAutoCommitDelay();
        store.setAutoCommitDelay(0);
        try {
            convert(store);
            meta.put(FORMAT_KEY, CURRENT);
            store.commit();
        } finally {
            store.setAutoCommitDelay(autoCommitDelay);
        }
    }

    private static void convert(MVStore store) {
        List<String> rebuilt = new ArrayList<>();
        for (String name : store.getMapNames()) {
            if (isIndexMap(name) || isDataMap(name)) {
                rebuilt.add(name);
            }
        }
        for (String name : rebuilt) {
            long started = System.nanoTime();
            String copyName = name + ".upgrading";
            if (store.hasMap(copyName)) {
                store.removeMap(copyName); // left by an upgrade that stopped half way
            }
            MVMap<Object, Object> old = store.openMap(name);
            @SuppressWarnings("unchecked")
            MVMap<Object, Object> copy = (MVMap<Object, Object>) open(store, copyName); // same kind as name
            for (Map.Entry<Object, Object> entry : old.entrySet()) {
                copy.put(entry.getKey(), entry.getValue());
            }
            store.removeMap(old);
            store.renameMap(copy, name);
            log.info("upgraded {} ({} entries) to store format {}, {} ms", name, copy.sizeAsLong(), CURRENT,
                (System.nanoTime() - started) / 1_000_000);
        }
    }
}

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
    /** Set while an upgrade's copies are complete and not all swapped in yet. */
    static final String COPIED_KEY = "upgradeCopied";
    private static final String COPY_SUFFIX = ".upgrading";

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
     * Brings a store written in an older format to the current one, once, in two phases that survive a stop at
     * any point (H2 may commit whenever its write buffer fills, so no phase can count on one commit):
     * <ol>
     * <li>copy: each index and data map is copied, in its stored order, into {@code <name>.upgrading} with the
     * current types; the originals are not touched. A stop here leaves copies that the next start discards
     * before copying again. When all are copied, {@link #COPIED_KEY} is set and committed.</li>
     * <li>swap: each copy replaces its original, then the format is set. A stop here leaves {@link #COPIED_KEY}
     * set, and the next start swaps the copies still left.</li>
     * </ol>
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
        if (meta.get(COPIED_KEY) == null) {
            copyAll(store);
            meta.put(COPIED_KEY, CURRENT);
            store.commit();
        }
        swapAll(store);
        meta.remove(COPIED_KEY);
        meta.put(FORMAT_KEY, CURRENT);
        store.commit();
    }

    /** Phase 1 of {@link #upgrade}: every index and data map copied beside itself with the current types. */
    static void copyAll(MVStore store) {
        List<String> originals = new ArrayList<>();
        for (String name : new ArrayList<>(store.getMapNames())) {
            if (name.endsWith(COPY_SUFFIX)) {
                store.removeMap(name); // a copy left by a stop during an earlier copy phase
            } else if (isIndexMap(name) || isDataMap(name)) {
                originals.add(name);
            }
        }
        for (String name : originals) {
            long started = System.nanoTime();
            MVMap<Object, Object> original = store.openMap(name);
            @SuppressWarnings("unchecked")
            MVMap<Object, Object> copy = (MVMap<Object, Object>) open(store, name + COPY_SUFFIX); // same kind
            for (Map.Entry<Object, Object> entry : original.entrySet()) {
                copy.put(entry.getKey(), entry.getValue());
            }
            log.info("copied {} ({} entries) into store format {}, {} ms", name, copy.sizeAsLong(), CURRENT,
                (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** Phase 2 of {@link #upgrade}: each copy left takes the place of its original. */
    private static void swapAll(MVStore store) {
        for (String name : new ArrayList<>(store.getMapNames())) {
            if (name.endsWith(COPY_SUFFIX)) {
                String original = name.substring(0, name.length() - COPY_SUFFIX.length());
                if (store.hasMap(original)) {
                    store.removeMap(original);
                }
                store.renameMap(open(store, name), original);
                log.info("upgraded {} to store format {}", original, CURRENT);
            }
        }
    }
}

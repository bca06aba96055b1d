package dev.mongorow.emulator.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ObjectDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import de.bwaldvogel.mongo.backend.KeyValue;

/**
 * The key type of the emulator's index maps ({@code _id} and every other unique index): H2's
 * {@link ObjectDataType}, so keys are stored exactly as before, but with {@link KeyValue}s compared value by
 * value. H2 compares a class it does not know, such as KeyValue, by Java-serializing both keys: every
 * lookup of an {@code _id} (each upsert of the MongoDB sink) serialized about forty keys, and that was half
 * of the emulator's CPU under a write load. The values inside a key are compared as ObjectDataType compares
 * any value, so the order is total and equal keys are exactly the keys ObjectDataType found equal.
 *
 * <p>The order differs from the serialized one, so a store written before this type existed has its index
 * maps rebuilt once when it is opened ({@link #migrate}); a marker in the store records that it was done.
 */
final class IndexKeyType extends ObjectDataType {

    private static final Logger log = LoggerFactory.getLogger(IndexKeyType.class);

    static final IndexKeyType INSTANCE = new IndexKeyType();

    /** Our own map of store-level facts, beside the maps mongo-java-server names. */
    static final String STORE_META_MAP = "mongorow.store";
    static final String INDEX_KEY_ORDER = "indexKeyOrder";
    /** The value of {@link #INDEX_KEY_ORDER} once every index map is in this type's order. */
    static final String VALUE_ORDER = "value-by-value";

    private IndexKeyType() {
    }

    @Override
    public int compare(Object a, Object b) {
        if (a instanceof KeyValue && b instanceof KeyValue) {
            KeyValue left = (KeyValue) a;
            KeyValue right = (KeyValue) b;
            int common = Math.min(left.size(), right.size());
            for (int i = 0; i < common; i++) {
                int order = super.compare(left.get(i), right.get(i));
                if (order != 0) {
                    return order;
                }
            }
            return Integer.compare(left.size(), right.size());
        }
        return super.compare(a, b);
    }

    /** How every index map of the store must be opened (and is, before mongo-java-server opens it). */
    static MVMap.Builder<KeyValue, Object> indexMap() {
        return new MVMap.Builder<KeyValue, Object>().keyType(INSTANCE);
    }

    static boolean isIndexMap(String mapName) {
        return mapName.contains(CapturingH2Database.INDEX_MAP_INFIX);
    }

    /**
     * Puts the index maps of a store written with the serialized order into this type's order, once: each
     * map is copied in its stored order (no comparison of the old kind) into a new map, which then takes
     * its name. A store already in this order, or a new one, is only marked.
     */
    static void migrate(MVStore store) {
        MVMap<String, String> meta = store.openMap(STORE_META_MAP);
        if (VALUE_ORDER.equals(meta.get(INDEX_KEY_ORDER))) {
            return;
        }
        List<String> indexMaps = new ArrayList<>();
        for (String name : store.getMapNames()) {
            if (isIndexMap(name)) {
                indexMaps.add(name);
            }
        }
        for (String name : indexMaps) {
            long started = System.nanoTime();
            MVMap<Object, Object> old = store.openMap(name);
            String rebuiltName = name + ".rebuilding";
            if (store.hasMap(rebuiltName)) {
                store.removeMap(rebuiltName); // left by a migration that stopped half way
            }
            MVMap<KeyValue, Object> rebuilt = store.openMap(rebuiltName, indexMap());
            for (Map.Entry<Object, Object> entry : old.entrySet()) {
                rebuilt.put((KeyValue) entry.getKey(), entry.getValue());
            }
            store.removeMap(old);
            store.renameMap(rebuilt, name);
            log.info("rebuilt index {} ({} keys) in value-by-value key order, {} ms", name, rebuilt.sizeAsLong(),
                (System.nanoTime() - started) / 1_000_000);
        }
        meta.put(INDEX_KEY_ORDER, VALUE_ORDER);
        store.commit();
    }
}

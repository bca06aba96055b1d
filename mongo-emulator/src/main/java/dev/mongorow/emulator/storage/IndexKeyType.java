package dev.mongorow.emulator.storage;

import org.h2.mvstore.type.ObjectDataType;

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
 * maps rebuilt once when it is opened ({@link StoreFormat#upgrade}).
 */
final class IndexKeyType extends ObjectDataType {

    /** One per map, as H2 gives each map its own ObjectDataType: the type keeps per-map state (its last type seen). */
    IndexKeyType() {
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
}

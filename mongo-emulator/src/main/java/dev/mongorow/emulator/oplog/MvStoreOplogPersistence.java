package dev.mongorow.emulator.oplog;

import java.util.Map;
import java.util.function.BiConsumer;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Keeps the oplog in the same H2 MVStore as the data. One store means one commit stream: whatever state a
 * restart finds, data and oplog are from the same store version, so a change can never be in one and not
 * the other.
 */
public final class MvStoreOplogPersistence implements OplogPersistence {

    private static final String ENTRIES_MAP = "mongorow.oplog.entries";
    private static final String META_MAP = "mongorow.oplog.meta";
    private static final String HORIZON_KEY = "horizon";
    private static final String DROPPED_KEY = "dropped";

    private final MVMap<Long, byte[]> entries;
    private final MVMap<String, Long> meta;

    public MvStoreOplogPersistence(MVStore store) {
        this.entries = store.openMap(ENTRIES_MAP);
        this.meta = store.openMap(META_MAP);
    }

    @Override
    public void load(BiConsumer<Long, byte[]> consumer) {
        for (Map.Entry<Long, byte[]> stored : entries.entrySet()) {
            consumer.accept(stored.getKey(), stored.getValue());
        }
    }

    @Override
    public Long loadHorizon() {
        return meta.get(HORIZON_KEY);
    }

    @Override
    public boolean loadDropped() {
        return meta.containsKey(DROPPED_KEY);
    }

    @Override
    public void appended(OplogEntry entry) {
        entries.put(entry.sequence(), entry.serialize());
    }

    @Override
    public void truncated(long firstSequence, long lastSequence, long horizon) {
        for (long sequence = firstSequence; sequence <= lastSequence; sequence++) {
            entries.remove(sequence);
        }
        meta.put(HORIZON_KEY, horizon);
        meta.put(DROPPED_KEY, 1L);
    }

    @Override
    public void horizonCreated(long horizon) {
        meta.put(HORIZON_KEY, horizon);
    }
}

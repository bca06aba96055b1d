package dev.mongorow.emulator.oplog;

import java.util.function.BiConsumer;

/**
 * Where the oplog is written through to, so that it survives a restart. Calls arrive under the oplog's
 * lock, in oplog order.
 */
public interface OplogPersistence {

    /** Replays the stored entries as (sequence, serialized entry), oldest first. */
    void load(BiConsumer<Long, byte[]> entries);

    /** The stored horizon (see {@link BoundedOplog#horizon()}), or null when nothing is stored yet. */
    Long loadHorizon();

    /** Whether entries were ever dropped, i.e. whether the stored horizon is a dropped entry's timestamp. */
    boolean loadDropped();

    void appended(OplogEntry entry);

    /** The entries {@code firstSequence..lastSequence} were dropped; {@code horizon} is the new horizon. */
    void truncated(long firstSequence, long lastSequence, long horizon);

    void horizonCreated(long horizon);

    /** Nothing is written anywhere: the oplog lives and dies with the process. */
    OplogPersistence NONE = new OplogPersistence() {
        @Override
        public void load(BiConsumer<Long, byte[]> entries) {
        }

        @Override
        public Long loadHorizon() {
            return null;
        }

        @Override
        public boolean loadDropped() {
            return false;
        }

        @Override
        public void appended(OplogEntry entry) {
        }

        @Override
        public void truncated(long firstSequence, long lastSequence, long horizon) {
        }

        @Override
        public void horizonCreated(long horizon) {
        }
    };
}

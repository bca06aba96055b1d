package dev.mongorow.emulator.oplog;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Shares one String instance per database/collection name, so a million entries do not carry a million copies. */
final class StringPool {

    private final ConcurrentMap<String, String> pool = new ConcurrentHashMap<>();

    String canonical(String value) {
        if (value == null) {
            return null;
        }
        String existing = pool.putIfAbsent(value, value);
        return existing != null ? existing : value;
    }
}

package dev.mongorow.emulator.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.bson.Document;
import org.bson.types.ObjectId;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ObjectDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import dev.mongorow.emulator.MongoEmulator;

/** Index keys compared value by value: a total order, the same equality, and old stores rebuilt into it. */
class IndexKeyOrderTest {

    @TempDir
    Path dataDirectory;

    @Test
    void theOrderIsTotalAndEqualKeysAreTheKeysH2FoundEqual() {
        Random random = new Random(7);
        List<KeyValue> keys = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            keys.add(random.nextInt(5) == 0 ? new KeyValue(value(random), value(random)) : new KeyValue(value(random)));
        }
        ObjectDataType serialized = new ObjectDataType();
        for (KeyValue a : keys) {
            for (KeyValue b : keys) {
                int order = IndexKeyType.INSTANCE.compare(a, b);
                assertEquals(-Integer.signum(order), Integer.signum(IndexKeyType.INSTANCE.compare(b, a)), a + " vs " + b);
                assertEquals(serialized.compare(a, b) == 0, order == 0, a + " vs " + b);
                for (KeyValue c : keys.subList(0, 40)) {
                    if (order < 0 && IndexKeyType.INSTANCE.compare(b, c) < 0) {
                        assertTrue(IndexKeyType.INSTANCE.compare(a, c) < 0, a + " < " + b + " < " + c);
                    }
                }
            }
        }
    }

    private static Object value(Random random) {
        switch (random.nextInt(7)) {
            case 0: return "id-" + "x".repeat(random.nextInt(4)) + random.nextInt(50);
            case 1: return random.nextInt(20) - 10;
            case 2: return (long) random.nextInt(20);
            case 3: return random.nextInt(10) / 4.0;
            case 4: return new de.bwaldvogel.mongo.bson.ObjectId();
            case 5: return Missing.getInstance();
            default: return null;
        }
    }

    @Test
    void aStoreWrittenInTheSerializedOrderIsRebuiltAndItsIndexesStillFindEveryKey() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ids.add("user-" + "0".repeat(i % 7) + i); // string ids of many lengths: the two orders differ on them
        }
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            users.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
            for (String id : ids) {
                users.insertOne(new Document("_id", id).append("email", id + "@example.com"));
            }
            users.insertOne(new Document("_id", new ObjectId()).append("email", "oid@example.com"));
        }
        rewriteInTheSerializedOrder(dataDirectory.resolve(H2StorageEngine.STORE_FILE));

        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            for (String id : ids) {
                assertEquals(id + "@example.com", users.find(Filters.eq("_id", id)).first().getString("email"), id);
                assertEquals(id, users.find(Filters.eq("email", id + "@example.com")).first().getString("_id"));
            }
            MongoWriteException duplicate = assertThrows(MongoWriteException.class,
                () -> users.insertOne(new Document("_id", ids.get(123)).append("email", "new@example.com")));
            assertEquals(11000, duplicate.getCode());
            assertThrows(MongoWriteException.class,
                () -> users.insertOne(new Document("_id", "fresh").append("email", ids.get(7) + "@example.com")));
            users.insertOne(new Document("_id", "fresh").append("email", "fresh@example.com"));
            assertEquals(502, users.countDocuments());
        }
        try (MVStore store = new MVStore.Builder().fileName(dataDirectory.resolve(H2StorageEngine.STORE_FILE).toString())
            .readOnly().open()) {
            assertEquals(IndexKeyType.VALUE_ORDER, store.<String, String>openMap(IndexKeyType.STORE_META_MAP)
                .get(IndexKeyType.INDEX_KEY_ORDER));
            assertTrue(store.getMapNames().stream().noneMatch(name -> name.endsWith(".rebuilding")));
        }
    }

    /**
     * Puts every index map back into H2's serialized-key order and removes the marker: the store as the
     * emulator wrote it before {@link IndexKeyType}. Checks that the orders really differ on these keys.
     */
    private static void rewriteInTheSerializedOrder(Path storeFile) {
        try (MVStore store = new MVStore.Builder().fileName(storeFile.toString()).open()) {
            List<String> indexMaps = store.getMapNames().stream().filter(IndexKeyType::isIndexMap).toList();
            assertEquals(2, indexMaps.size(), indexMaps.toString());
            for (String name : indexMaps) {
                MVMap<KeyValue, Object> current = store.openMap(name, IndexKeyType.indexMap());
                MVMap<Object, Object> old = store.openMap(name + ".old");
                for (Map.Entry<KeyValue, Object> entry : current.entrySet()) {
                    old.put(entry.getKey(), entry.getValue());
                }
                assertNotEquals(new ArrayList<>(current.keySet()), new ArrayList<>(old.keySet()), name);
                store.removeMap(current);
                store.renameMap(old, name);
            }
            store.<String, String>openMap(IndexKeyType.STORE_META_MAP).remove(IndexKeyType.INDEX_KEY_ORDER);
            assertNull(store.<String, String>openMap(IndexKeyType.STORE_META_MAP).get(IndexKeyType.INDEX_KEY_ORDER));
        }
    }

    private MongoEmulator start() {
        return MongoEmulator.builder().port(0).dataDirectory(dataDirectory).build().start();
    }
}

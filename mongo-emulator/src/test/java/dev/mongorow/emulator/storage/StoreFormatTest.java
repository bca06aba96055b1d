package dev.mongorow.emulator.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
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

/**
 * The store format: index keys compared value by value (a total order, the same equality as H2's), documents
 * stored as BSON, and stores of the format before upgraded once with nothing lost.
 */
class StoreFormatTest {

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
        IndexKeyType order = new IndexKeyType();
        for (KeyValue a : keys) {
            for (KeyValue b : keys) {
                int ab = order.compare(a, b);
                assertEquals(-Integer.signum(ab), Integer.signum(order.compare(b, a)), a + " vs " + b);
                assertEquals(serialized.compare(a, b) == 0, ab == 0, a + " vs " + b);
                for (KeyValue c : keys.subList(0, 40)) {
                    if (ab < 0 && order.compare(b, c) < 0) {
                        assertTrue(order.compare(a, c) < 0, a + " < " + b + " < " + c);
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
    void aStoreOfTheFormerFormatIsUpgradedWithEveryDocumentAndIndexKeyIntact() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ids.add("user-" + "0".repeat(i % 7) + i); // string ids of many lengths: the two key orders differ on them
        }
        Document typed = new Document("_id", new ObjectId("5ca4bbcea2dd94ee58162a68")).append("email", "typed@example.com")
            .append("int", 7).append("long", 1L << 40).append("double", 2.5).append("decimal", new Decimal128(new BigDecimal("12.345")))
            .append("date", new Date(-1196280000000L)).append("binary", new Binary(new byte[] {1, 2, 3}))
            .append("nested", new Document("a", List.of(1, "x", new Document("b", null)))).append("flag", true);
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            users.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
            for (String id : ids) {
                users.insertOne(new Document("_id", id).append("email", id + "@example.com"));
            }
            users.insertOne(typed);
        }
        rewriteInTheFormerFormat(dataDirectory.resolve(H2StorageEngine.STORE_FILE));

        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            for (String id : ids) {
                assertEquals(id + "@example.com", users.find(Filters.eq("_id", id)).first().getString("email"), id);
                assertEquals(id, users.find(Filters.eq("email", id + "@example.com")).first().getString("_id"));
            }
            assertEquals(typed, users.find(Filters.eq("_id", typed.getObjectId("_id"))).first());
            MongoWriteException duplicate = assertThrows(MongoWriteException.class,
                () -> users.insertOne(new Document("_id", ids.get(123)).append("email", "new@example.com")));
            assertEquals(11000, duplicate.getCode());
            assertThrows(MongoWriteException.class,
                () -> users.insertOne(new Document("_id", "fresh").append("email", ids.get(7) + "@example.com")));
            users.insertOne(new Document("_id", "fresh").append("email", "fresh@example.com"));
            assertEquals(502, users.countDocuments());
        }
        // and once more: the upgraded store, read back from its BSON pages (a fresh process cache)
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            assertEquals(typed, users.find(Filters.eq("email", "typed@example.com")).first());
            assertEquals(502, users.countDocuments());
        }
        try (MVStore store = new MVStore.Builder().fileName(dataDirectory.resolve(H2StorageEngine.STORE_FILE).toString())
            .readOnly().open()) {
            assertEquals(StoreFormat.CURRENT, store.<String, Integer>openMap(StoreFormat.META_MAP).get(StoreFormat.FORMAT_KEY));
            assertTrue(store.getMapNames().stream().noneMatch(name -> name.endsWith(".upgrading")), store.getMapNames().toString());
        }
    }

    @Test
    void aStoreOfANewerFormatIsRefusedWithTheReason() {
        try (MVStore store = new MVStore.Builder().fileName(dataDirectory.resolve(H2StorageEngine.STORE_FILE).toString()).open()) {
            store.<String, Integer>openMap(StoreFormat.META_MAP).put(StoreFormat.FORMAT_KEY, StoreFormat.CURRENT + 1);
        }
        IllegalStateException error = assertThrows(IllegalStateException.class, this::start);
        assertTrue(error.getMessage().contains("newer than this emulator's"), error.getMessage());
    }

    /**
     * Rewrites every index and data map with H2's default types and removes the marker: the store as the
     * emulator wrote it before {@link StoreFormat}. Checks that the key orders really differ on these keys.
     */
    private static void rewriteInTheFormerFormat(Path storeFile) {
        try (MVStore store = new MVStore.Builder().fileName(storeFile.toString()).open()) {
            List<String> maps = store.getMapNames().stream()
                .filter(name -> StoreFormat.isIndexMap(name) || StoreFormat.isDataMap(name)).toList();
            assertTrue(maps.containsAll(List.of("databases.app.users", "app.users._index__id_", "app.users._index_email_1",
                "databases.app.system.indexes")), maps.toString());
            for (String name : maps) {
                @SuppressWarnings("unchecked")
                MVMap<Object, Object> current = (MVMap<Object, Object>) StoreFormat.open(store, name);
                MVMap<Object, Object> old = store.openMap(name + ".old");
                for (Map.Entry<Object, Object> entry : current.entrySet()) {
                    old.put(entry.getKey(), entry.getValue());
                }
                if (StoreFormat.isIndexMap(name)) {
                    assertNotEquals(new ArrayList<>(current.keySet()), new ArrayList<>(old.keySet()), name);
                }
                store.removeMap(current);
                store.renameMap(old, name);
            }
            store.<String, Integer>openMap(StoreFormat.META_MAP).remove(StoreFormat.FORMAT_KEY);
        }
    }

    private MongoEmulator start() {
        return MongoEmulator.builder().port(0).dataDirectory(dataDirectory).build().start();
    }
}

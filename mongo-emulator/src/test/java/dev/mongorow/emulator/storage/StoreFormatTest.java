package dev.mongorow.emulator.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    private static final List<String> IDS = new ArrayList<>();
    static {
        for (int i = 0; i < 500; i++) {
            IDS.add("user-" + "0".repeat(i % 7) + i); // string ids of many lengths: the two key orders differ on them
        }
    }
    private static final Document TYPED = new Document("_id", new ObjectId("5ca4bbcea2dd94ee58162a68"))
        .append("email", "typed@example.com").append("int", 7).append("long", 1L << 40).append("double", 2.5)
        .append("decimal", new Decimal128(new BigDecimal("12.345"))).append("date", new Date(-1196280000000L))
        .append("binary", new Binary(new byte[] {1, 2, 3}))
        .append("nested", new Document("a", List.of(1, "x", new Document("b", null)))).append("flag", true);

    @Test
    void aStoreOfTheFormerFormatIsUpgradedWithEveryDocumentAndIndexKeyIntact() {
        writeInTheFormerFormat();
        assertUpgradedIntact();
    }

    @Test
    void aStopDuringTheCopiesIsStartedAgainOnTheNextOpen() {
        writeInTheFormerFormat();
        try (MVStore store = new MVStore.Builder().fileName(storeFile().toString()).open()) {
            StoreFormat.copyAll(store); // copies committed, the phase not marked complete: as a stop just before
            // a stale entry in a left-over copy: the next open must copy again, not reuse it
            @SuppressWarnings("unchecked")
            MVMap<Object, de.bwaldvogel.mongo.bson.Document> copy = (MVMap<Object, de.bwaldvogel.mongo.bson.Document>)
                StoreFormat.open(store, "databases.app.users.upgrading");
            copy.put("stale", new de.bwaldvogel.mongo.bson.Document("_id", "stale"));
        }
        assertUpgradedIntact();
    }

    @Test
    void aStopBetweenTheCopiesAndTheSwapIsFinishedOnTheNextOpen() {
        writeInTheFormerFormat();
        try (MVStore store = new MVStore.Builder().fileName(storeFile().toString()).open()) {
            StoreFormat.copyAll(store);
            store.<String, Integer>openMap(StoreFormat.META_MAP).put(StoreFormat.COPIED_KEY, StoreFormat.CURRENT);
            // and one copy already swapped in, as a stop half way through the swaps leaves it
            store.removeMap("databases.app.users");
            store.renameMap(StoreFormat.open(store, "databases.app.users.upgrading"), "databases.app.users");
        }
        assertUpgradedIntact();
    }

    /** 500 users with string ids and a unique email index, and one document of every BSON type, then rewritten. */
    private void writeInTheFormerFormat() {
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            users.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
            for (String id : IDS) {
                users.insertOne(new Document("_id", id).append("email", id + "@example.com"));
            }
            users.insertOne(TYPED);
        }
        rewriteInTheFormerFormat(storeFile());
    }

    private void assertUpgradedIntact() {
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            for (String id : IDS) {
                assertEquals(id + "@example.com", users.find(Filters.eq("_id", id)).first().getString("email"), id);
                assertEquals(id, users.find(Filters.eq("email", id + "@example.com")).first().getString("_id"));
            }
            assertEquals(TYPED, users.find(Filters.eq("_id", TYPED.getObjectId("_id"))).first());
            MongoWriteException duplicate = assertThrows(MongoWriteException.class,
                () -> users.insertOne(new Document("_id", IDS.get(123)).append("email", "new@example.com")));
            assertEquals(11000, duplicate.getCode());
            assertThrows(MongoWriteException.class,
                () -> users.insertOne(new Document("_id", "fresh").append("email", IDS.get(7) + "@example.com")));
            users.insertOne(new Document("_id", "fresh").append("email", "fresh@example.com"));
            assertEquals(502, users.countDocuments());
        }
        // and once more: the upgraded store, read back from its BSON pages (a fresh process cache)
        try (MongoEmulator emulator = start(); MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> users = client.getDatabase("app").getCollection("users");
            assertEquals(TYPED, users.find(Filters.eq("email", "typed@example.com")).first());
            assertEquals(502, users.countDocuments());
        }
        try (MVStore store = new MVStore.Builder().fileName(storeFile().toString()).readOnly().open()) {
            MVMap<String, Integer> meta = store.openMap(StoreFormat.META_MAP);
            assertEquals(StoreFormat.CURRENT, meta.get(StoreFormat.FORMAT_KEY));
            assertNull(meta.get(StoreFormat.COPIED_KEY));
            assertTrue(store.getMapNames().stream().noneMatch(name -> name.endsWith(".upgrading")), store.getMapNames().toString());
        }
    }

    private Path storeFile() {
        return dataDirectory.resolve(H2StorageEngine.STORE_FILE);
    }

    @Test
    void aStoreOfANewerFormatIsRefusedWithTheReason() {
        try (MVStore store = new MVStore.Builder().fileName(storeFile().toString()).open()) {
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

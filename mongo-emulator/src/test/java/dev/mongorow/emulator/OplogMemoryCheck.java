package dev.mongorow.emulator;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;

import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;

import dev.mongorow.emulator.oplog.OplogLimits;
import dev.mongorow.emulator.oplog.OplogStats;

/**
 * A memory check, not a test: writes update events through the driver into an in-process emulator and
 * prints the heap after GC at each checkpoint, to show the oplog stays within its limits.
 *
 * <pre>
 * java -Xmx1g -cp "mongo-emulator/target/classes:mongo-emulator/target/test-classes:$(cat mongo-emulator/target/test-classpath.txt)" \
 *      dev.mongorow.emulator.OplogMemoryCheck [--checkpoints 100000,1000000] [--oplog-max-entries N] [--oplog-max-bytes N]
 * </pre>
 *
 * The updates cycle over 1,000 documents, so the data stays constant and only the oplog can grow.
 */
public final class OplogMemoryCheck {

    private static final int DOCUMENTS = 1_000;
    private static final int BATCH = 1_000;

    private OplogMemoryCheck() {
    }

    public static void main(String[] args) {
        List<Long> checkpoints = List.of(100_000L, 1_000_000L);
        long maxEntries = OplogLimits.DEFAULT_MAX_ENTRIES;
        long maxBytes = OplogLimits.DEFAULT_MAX_BYTES;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--checkpoints" -> checkpoints = parseList(args[i + 1]);
                case "--oplog-max-entries" -> maxEntries = MongoEmulatorMain.parseSize(args[i], args[i + 1]);
                case "--oplog-max-bytes" -> maxBytes = MongoEmulatorMain.parseSize(args[i], args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "oplog limits: %,d entries / %,d bytes; max heap %d MiB; %s %s%n", maxEntries, maxBytes,
            Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.version"));
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).oplogLimits(new OplogLimits(maxEntries, maxBytes))
                 .noopInterval(Duration.ofHours(1)).build().start();
             MongoClient client = MongoClients.create(emulator.connectionString())) {
            MongoCollection<Document> collection = client.getDatabase("memcheck").getCollection("users");
            List<Document> documents = new ArrayList<>();
            for (int i = 0; i < DOCUMENTS; i++) {
                documents.add(new Document("_id", i).append("name", "user-" + i).append("email", "user" + i + "@example.com")
                    .append("visits", 0));
            }
            collection.insertMany(documents);
            report("baseline (1,000 documents)", 0, emulator.oplogStats(), 0);

            long written = 0;
            long started = System.nanoTime();
            for (long checkpoint : checkpoints) {
                while (written < checkpoint) {
                    List<WriteModel<Document>> batch = new ArrayList<>(BATCH);
                    for (int i = 0; i < BATCH; i++) {
                        batch.add(new UpdateOneModel<>(Filters.eq("_id", (int) ((written + i) % DOCUMENTS)),
                            Updates.combine(Updates.inc("visits", 1), Updates.set("updatedAt", new Date()))));
                    }
                    collection.bulkWrite(batch);
                    written += BATCH;
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                report(String.format(Locale.ROOT, "after %,d update events", written), written, emulator.oplogStats(), written / seconds);
            }
        }
    }

    private static void report(String label, long written, OplogStats oplog, double eventsPerSecond) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "%-32s heap after GC %,8.1f MiB | oplog %,9d entries, %,8.1f MiB charged | write rate %,.0f events/s%n",
            label, heap / 1048576.0, oplog.entries(), oplog.bytes() / 1048576.0, eventsPerSecond);
    }

    private static List<Long> parseList(String value) {
        List<Long> result = new ArrayList<>();
        for (String part : value.split(",")) {
            result.add(Long.parseLong(part.trim()));
        }
        return result;
    }
}

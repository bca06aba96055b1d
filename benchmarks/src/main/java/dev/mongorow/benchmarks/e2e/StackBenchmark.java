package dev.mongorow.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.bson.Document;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;

import dev.mongorow.it.Backends;
import dev.mongorow.it.Pipeline;
import dev.mongorow.stack.LocalStack;
import dev.mongorow.stack.StackConfig;

/**
 * End-to-end figures of the local stack (not a test: it prints measurements, it asserts nothing):
 * <ol>
 * <li>start-up of the whole stack, cold (fresh data folder) and warm (second start);</li>
 * <li>10,000 customer-like documents from the raw topic to MySQL rows, through MongoDB and the change stream;</li>
 * <li>the MongoDB emulator's live heap once 100,000 and 1,000,000 change events went through its oplog.</li>
 * </ol>
 * Run: {@code ./pipeline bench e2e}. The stack lives in benchmarks/target/bench-stack on free ports.
 */
public final class StackBenchmark {
    private final Path repo;
    private final Path home;
    private final List<String[]> results = new ArrayList<>();

    private StackBenchmark(Path repo) {
        this.repo = repo;
        this.home = repo.resolve("benchmarks/target/bench-stack");
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(System.getProperty("repo.dir", ".")).toAbsolutePath().normalize();
        new StackBenchmark(repo).run();
    }

    private void run() throws Exception {
        deleteRecursively(home);
        StackConfig config = StackConfig.builder().home(home).freePorts()
                .pluginPath(repo.resolve("connect-plugins/target/plugins"))
                .mysqlSchema(repo.resolve("connect-configs/mysql/schema.sql"))
                .topics(repo.resolve("connect-configs/topics.json")).build();
        try (LocalStack cold = LocalStack.create(config)) {
            record("stack up, cold (fresh data folder)", seconds(cold::start), "s", "");
            cold.stop();
        }
        try (LocalStack warm = LocalStack.create(config)) {
            record("stack up, warm (second start)", seconds(warm::start), "s", "target <= 30 s");
            warm.stop();
        }
        try (Pipeline pipeline = new Pipeline(repo, home, Backends.fromSystemProperty())) {
            pipeline.deployAll();
            rawToMysql(pipeline, 10_000);
            emulatorMemory(pipeline);
        }
        print();
    }

    /** Customer-like documents (the sample customers with fresh ids) from raw.users to MySQL rows. */
    private void rawToMysql(Pipeline pipeline, int documents) {
        List<String> customers = pipeline.dataset("customers.json");
        // warm-up: one batch of 500 so the first-record costs (class loading, JIT) stay out of the figure
        long before = pipeline.mysqlCount("SELECT COUNT(*) FROM users");
        produceCustomers(pipeline, customers, customers.size());
        Pipeline.await(Duration.ofSeconds(120), "warm-up batch",
                () -> pipeline.mysqlCount("SELECT COUNT(*) FROM users") >= before + customers.size());
        long base = pipeline.mysqlCount("SELECT COUNT(*) FROM users");
        long mongoBase = pipeline.mongo().getCollection("users").estimatedDocumentCount();
        long t0 = System.nanoTime();
        produceCustomers(pipeline, customers, documents);
        double produced = (System.nanoTime() - t0) / 1e9;
        // where the time goes: when MongoDB holds the batch (the MongoDB sink is done), and when MySQL does
        double[] inMongo = {Double.NaN};
        Pipeline.await(Duration.ofSeconds(300), Duration.ofMillis(50), documents + " rows in MySQL", () -> {
            if (Double.isNaN(inMongo[0])
                    && pipeline.mongo().getCollection("users").estimatedDocumentCount() >= mongoBase + documents) {
                inMongo[0] = (System.nanoTime() - t0) / 1e9;
            }
            return pipeline.mysqlCount("SELECT COUNT(*) FROM users") >= base + documents;
        });
        double total = (System.nanoTime() - t0) / 1e9;
        record(String.format(Locale.ROOT, "%,d customer-like documents, raw topic -> MySQL rows", documents),
                total, "s", "target <= 10 s; produced in " + String.format(Locale.ROOT, "%.1f s", produced)
                        + String.format(Locale.ROOT, ", all in MongoDB after %.1f s, %,.0f records/s end to end",
                        inMongo[0], documents / total));
    }

    private static void produceCustomers(Pipeline pipeline, List<String> customers, int count) {
        CustomerRecords records = new CustomerRecords(customers, ThreadLocalRandom.current().nextInt(1 << 24));
        List<String[]> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(new String[] {records.key(i), records.value(i)});
        }
        pipeline.produceAll("raw.users", batch);
    }

    /**
     * Update events cycling over 1,000 customer documents of a collection no connector reads, so that only the
     * oplog can grow; the emulator's live heap (a full GC by {@code jcmd GC.class_histogram}, which counts
     * reachable objects only) at a baseline, after 100,000 and after 1,000,000 change events.
     */
    private void emulatorMemory(Pipeline pipeline) throws Exception {
        long pid = pipeline.stack().mongodb().recordedPid().orElseThrow();
        MongoCollection<Document> scratch = pipeline.mongo().getCollection("bench_scratch");
        scratch.drop();
        Document template = Document.parse(pipeline.dataset("customers.json").get(0));
        List<Document> documents = new ArrayList<>(1000);
        for (int i = 0; i < 1000; i++) {
            documents.add(new Document(template).append("_id", i));
        }
        scratch.insertMany(documents);
        long written = documents.size(); // inserts are change events too
        record("emulator live heap, baseline (after 1,000 inserts and the pipeline's own events)", liveHeapMiB(pid),
                "MiB", "");
        for (long target : new long[] {100_000, 1_000_000}) {
            long from = written;
            long t0 = System.nanoTime();
            while (written < target) {
                List<UpdateOneModel<Document>> batch = new ArrayList<>(1000);
                for (int i = 0; i < 1000; i++) {
                    batch.add(new UpdateOneModel<>(Filters.eq("_id", i),
                            Updates.combine(Updates.inc("updates", 1), Updates.set("last_event", written + i))));
                }
                scratch.bulkWrite(batch, new BulkWriteOptions().ordered(false));
                written += batch.size();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            record(String.format(Locale.ROOT, "emulator live heap, %,d change events", target), liveHeapMiB(pid),
                    "MiB", String.format(Locale.ROOT, "target: flat within 20%% between 100,000 and 1,000,000; "
                            + "written at %,.0f events/s", (target - from) / seconds));
        }
        scratch.drop();
    }

    /** Bytes of reachable objects, from the last line of a class histogram ("Total  instances  bytes"). */
    private static double liveHeapMiB(long pid) throws IOException, InterruptedException {
        String histogram = run("jcmd", Long.toString(pid), "GC.class_histogram");
        java.util.regex.Matcher total = java.util.regex.Pattern.compile("(?m)^\\s*Total\\s+\\d+\\s+(\\d+)\\s*$")
                .matcher(histogram);
        if (!total.find()) {
            throw new IllegalStateException("cannot read the total of jcmd GC.class_histogram: "
                    + histogram.substring(Math.max(0, histogram.length() - 500)));
        }
        return Long.parseLong(total.group(1)) / (1024.0 * 1024.0);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }

    private static double seconds(Runnable action) {
        long t0 = System.nanoTime();
        action.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private void record(String what, double value, String unit, String note) {
        String line = String.format(Locale.ROOT, "| %s | %.1f %s | %s |", what, value, unit, note);
        System.out.println("[bench] " + line);
        results.add(new String[] {line});
    }

    private void print() {
        System.out.println();
        System.out.println("| measurement | value | notes |");
        System.out.println("|---|---|---|");
        results.forEach(r -> System.out.println(r[0]));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

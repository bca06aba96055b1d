package dev.mongorow.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.bson.Document;
import org.bson.types.ObjectId;

import com.mongodb.client.MongoCollection;

import dev.mongorow.it.Backends;
import dev.mongorow.it.Pipeline;
import dev.mongorow.stack.LocalStack;
import dev.mongorow.stack.StackConfig;

/**
 * End-to-end figures of the local stack (not a test: it prints measurements, it asserts nothing):
 * <ol>
 * <li>start-up of the whole stack, cold (fresh data folder) and warm (second start);</li>
 * <li>10,000 customer-like documents from the raw topic to MySQL rows, through MongoDB and the change stream;</li>
 * <li>the MongoDB emulator's heap after GC once 100,000 and 1,000,000 change events went through its oplog.</li>
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
                .mysqlSchema(repo.resolve("connect-configs/mysql/schema.sql")).build();
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
        long t0 = System.nanoTime();
        produceCustomers(pipeline, customers, documents);
        double produced = (System.nanoTime() - t0) / 1e9;
        Pipeline.await(Duration.ofSeconds(300), documents + " rows in MySQL",
                () -> pipeline.mysqlCount("SELECT COUNT(*) FROM users") >= base + documents);
        double total = (System.nanoTime() - t0) / 1e9;
        record(String.format(Locale.ROOT, "%,d customer-like documents, raw topic -> MySQL rows", documents),
                total, "s", "target <= 10 s; produced in " + String.format(Locale.ROOT, "%.1f s", produced)
                        + String.format(Locale.ROOT, ", %,.0f records/s end to end", documents / total));
    }

    private static void produceCustomers(Pipeline pipeline, List<String> customers, int count) {
        List<String[]> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String line = customers.get(i % customers.size());
            String id = new ObjectId().toHexString();
            String document = "{\"_id\": {\"$oid\": \"" + id + "\"}" + line.substring(line.indexOf('}') + 2);
            batch.add(new String[] {"{\"_id\": {\"$oid\": \"" + id + "\"}}", document});
        }
        pipeline.produceAll("raw.users", batch);
    }

    /** Change events written straight into MongoDB (a collection no connector reads), heap measured by jcmd. */
    private void emulatorMemory(Pipeline pipeline) throws Exception {
        long pid = pipeline.stack().mongodb().recordedPid().orElseThrow();
        MongoCollection<Document> scratch = pipeline.mongo().getCollection("bench_scratch");
        Document template = Document.parse(pipeline.dataset("customers.json").get(0));
        long written = 0;
        for (long target : new long[] {100_000, 1_000_000}) {
            long t0 = System.nanoTime();
            while (written < target) {
                List<Document> batch = new ArrayList<>(1000);
                for (int i = 0; i < 1000; i++) {
                    Document doc = new Document(template);
                    doc.put("_id", new ObjectId());
                    batch.add(doc);
                }
                scratch.insertMany(batch);
                written += batch.size();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            record(String.format(Locale.ROOT, "emulator heap after GC, %,d change events", target), heapAfterGcMiB(pid),
                    "MiB", String.format(Locale.ROOT, "written at %,.0f events/s", (target - (target == 100_000 ? 0 : 100_000)) / seconds));
            scratch.drop();
        }
    }

    private static double heapAfterGcMiB(long pid) throws IOException, InterruptedException {
        run("jcmd", Long.toString(pid), "GC.run");
        String info = run("jcmd", Long.toString(pid), "GC.heap_info");
        // "garbage-first heap   total 262144K, used 51234K" (G1) or "... used 51234K" (others)
        java.util.regex.Matcher used = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
        if (!used.find()) {
            throw new IllegalStateException("cannot read jcmd GC.heap_info: " + info);
        }
        return Long.parseLong(used.group(1)) / 1024.0;
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

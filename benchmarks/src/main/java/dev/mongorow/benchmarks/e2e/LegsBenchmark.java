package dev.mongorow.benchmarks.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bson.Document;
import org.bson.types.ObjectId;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;

import dev.mongorow.it.Backends;
import dev.mongorow.it.Pipeline;
import dev.mongorow.stack.Secrets;
import dev.mongorow.stack.StackConfig;

/**
 * Every leg of the pipeline against the fastest thing this machine can do, in one run (not a test: it measures,
 * it asserts nothing). For each volume (default 10,000, 100,000 and 1,000,000 customer-like documents) it starts a
 * fresh local stack, warms its Connect worker up (30,000 records through copies of the three connectors, deleted
 * before the legs) and, with the shipped connector configs:
 * <ol>
 * <li>MongoDB sink leg: fills {@code raw.users}, then deploys {@code mongo-sink} alone and times the documents;</li>
 * <li>MongoDB source leg: deploys {@code mongo-source} on that backlog of inserts and times the change-event topic;</li>
 * <li>JDBC sink leg: deploys {@code mysql-sink} on the filled change-event topic and times the MySQL rows;</li>
 * <li>the limit: the same rows upserted into a copy of the table by a plain JDBC client, multi-row statements of
 * the sink's batch size over the sink's JDBC URL (Connector/J, {@code rewriteBatchedStatements=true});</li>
 * <li>the peer: {@code benchmarks/python/batch_peer.py} (pymongo + mysqlclient) on the same documents;</li>
 * <li>end to end: a second batch of the same size through all three connectors, raw topic to MySQL rows;</li>
 * <li>(last volume only) latency from the produce call to the row being visible in MySQL, at 200 records/s and
 * at half the end-to-end throughput.</li>
 * </ol>
 * CPU seconds per process for every leg and each process's peak resident memory come from /proc. The tables go to
 * standard output and, unless {@code --no-write}, between the markers of BENCHMARKS.md.
 * <p>Run: {@code ./pipeline bench legs [--volumes 10000,100000] [--latency-seconds 30] [--peer-interval 60]
 * [--set mysql-sink.batch.size=500 ...] [local stack options such as --workers 2]}.
 */
public final class LegsBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BEGIN = "<!-- bench-legs:begin (written by ./pipeline bench legs) -->";
    private static final String END = "<!-- bench-legs:end -->";
    /** The columns of the users table, in connect-configs/mysql/schema.sql order. */
    private static final List<String> USER_COLUMNS = List.of("id", "username", "name", "address", "birthdate",
            "email_hash", "active", "accounts", "tier_and_details");
    /** The JDBC sink's batch.size in connect-configs/connectors/mysql-sink.json; the limit writes batches as big. */
    private static final int SINK_BATCH = 2000;
    /** Records of the warm-up before the legs of each volume. */
    private static final int WARM_UP = 30_000;
    /** --set connector.key=value */
    private static final Pattern SET = Pattern.compile("^([a-z0-9-]+)\\.([^=]+)=(.*)$");

    private final Path repo;
    private final Path base;
    private final List<Long> volumes;
    private final int latencySeconds;
    private final int peerIntervalSeconds;
    private final boolean write;
    private final Path python;
    private final List<Round> rounds = new ArrayList<>();
    /** --set connector.key=value: changes to the shipped configs, to measure a knob before and after. */
    private final Map<String, Map<String, String>> overrides = new LinkedHashMap<>();
    /** Options of the local stack (./pipeline up --help), e.g. --workers 2 or --kafka-heap 2g. */
    private final Map<StackConfig.Option, String> stackOptions = new LinkedHashMap<>();

    private LegsBenchmark(Path repo, Map<String, String> options, List<String> sets) {
        this.repo = repo;
        for (String set : sets) {
            Matcher m = SET.matcher(set);
            if (!m.matches()) {
                throw new IllegalArgumentException("--set " + set + ": expected <connector>.<key>=<value>,"
                        + " e.g. mysql-sink.batch.size=500");
            }
            overrides.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>()).put(m.group(2), m.group(3));
        }
        for (Map.Entry<String, String> e : options.entrySet()) {
            StackConfig.Option option = StackConfig.Option.byKey(e.getKey());
            if (option != null && option != StackConfig.Option.HOME) {
                stackOptions.put(option, e.getValue());
            } else if (!List.of("volumes", "latency-seconds", "peer-interval", "python", "no-write").contains(e.getKey())) {
                throw new IllegalArgumentException("unknown option --" + e.getKey() + USAGE);
            }
        }
        this.base = repo.resolve("benchmarks/target/bench-legs");
        this.volumes = Arrays.stream(options.getOrDefault("volumes", "10000,100000,1000000").split(","))
                .map(String::trim).map(Long::parseLong).collect(Collectors.toList());
        this.latencySeconds = Integer.parseInt(options.getOrDefault("latency-seconds", "30"));
        this.peerIntervalSeconds = Integer.parseInt(options.getOrDefault("peer-interval", "60"));
        this.write = !options.containsKey("no-write");
        this.python = Path.of(options.getOrDefault("python", repo.resolve(".venv/bin/python").toString()));
    }

    private static final String USAGE = " (options: --volumes N,N,... --latency-seconds S --peer-interval S"
            + " --python PATH --no-write --set <connector>.<key>=<value> (repeatable), and the local stack's options)";

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> sets = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || (!args[i].equals("--no-write") && i + 1 >= args.length)) {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "'" + USAGE);
            }
            String key = args[i].substring(2);
            if (key.equals("set")) {
                sets.add(args[++i]);
            } else {
                options.put(key, key.equals("no-write") ? "" : args[++i]);
            }
        }
        Path repo = Path.of(System.getProperty("repo.dir", ".")).toAbsolutePath().normalize();
        new LegsBenchmark(repo, options, sets).run();
    }

    private void run() throws Exception {
        if (!Files.isExecutable(python)) {
            throw new IllegalStateException("no Python at " + python + ": run airflow/bootstrap.sh (./pipeline bench"
                    + " legs does) or give --python");
        }
        Instant started = Instant.now();
        for (int i = 0; i < volumes.size(); i++) {
            rounds.add(round(volumes.get(i), i == volumes.size() - 1));
        }
        String report = report(started);
        System.out.println();
        System.out.println(report);
        if (write) {
            writeToBenchmarksMd(report);
        }
    }

    // ---- one volume on a fresh stack ------------------------------------------------------------------------

    private Round round(long n, boolean measureLatency) throws Exception {
        Path home = base.resolve("n" + n);
        deleteRecursively(home);
        // The source leg reads a backlog of n inserts from the oplog, so the emulator's in-heap oplog must hold
        // them (a real replica set keeps its oplog on disk, sized in gigabytes).
        long oplogBytes = (64L << 20) + n * 3072;
        String mongoHeap = Math.max(1024, oplogBytes * 3 / 2 / (1 << 20) + 512) + "m";
        progress(n, "starting a fresh stack in " + repo.relativize(home) + " (emulator heap " + mongoHeap
                + ", oplog bound " + (n + 100_000) + " entries)");
        Round round = new Round(n);
        try (Pipeline pipeline = new Pipeline(repo, home, Backends.fromSystemProperty(), c -> {
                c.connectHeap("1g").mongodbHeap(mongoHeap).oplogMaxEntries(n + 100_000).oplogMaxBytes(oplogBytes);
                stackOptions.forEach(c::set);
             });
             Connection mysql = pipeline.mysql();
             Admin admin = Admin.create(pipeline.stack().kafkaClientProperties());
             KafkaProducer<String, String> producer = producer(pipeline)) {
            ProcessMeter meter = new ProcessMeter(pipeline.stack().components());
            MongoCollection<Document> users = pipeline.mongo().getCollection("users");
            List<String> customers = pipeline.dataset("customers.json");
            CustomerRecords first = new CustomerRecords(customers, 1);

            warmUp(n, pipeline, admin, producer, mysql, customers);

            double produced = produce(producer, first, n);
            progress(n, String.format(Locale.ROOT, "raw.users filled with %,d records (%,.0f records/s)", n, produced));

            round.legs.add(measure(n, "MongoDB sink: raw topic → documents", meter, () -> deploy(pipeline, "mongo-sink"),
                    () -> users.find(Filters.eq("_id", new ObjectId(first.id(0)))).first() != null,
                    () -> users.find(Filters.eq("_id", new ObjectId(first.id(n - 1)))).first() != null,
                    users::estimatedDocumentCount));

            LongSupplier changeEvents = endOffsets(admin, "mongo.pipeline.users");
            round.legs.add(measure(n, "MongoDB source: oplog backlog → change-event topic", meter,
                    () -> deploy(pipeline, "mongo-source"), () -> changeEvents.getAsLong() > 0,
                    () -> changeEvents.getAsLong() >= n, changeEvents));

            round.legs.add(measure(n, "JDBC sink: change-event topic → MySQL rows", meter,
                    () -> deploy(pipeline, "mysql-sink"), () -> rowExists(mysql, first.id(0)),
                    () -> rowExists(mysql, first.id(n - 1)), () -> count(mysql, "users")));
            long rows = count(mysql, "users");
            if (rows != n) {
                throw new IllegalStateException("the JDBC sink leg wrote " + rows + " rows, expected " + n
                        + ": see dlq.mysql-sink and the Connect log in " + pipeline.stack().layout().logsDir());
            }

            round.limit = limit(pipeline, mysql, n);
            round.peer = peer(pipeline, n);

            CustomerRecords second = new CustomerRecords(customers, 2);
            round.legs.add(endToEnd(n, meter, producer, mysql, second));
            round.peakRssMiB = meter.peakRssMiB();

            if (measureLatency) {
                double e2e = round.legs.get(round.legs.size() - 1).recordsPerSecond;
                round.latencies.add(latency(n, producer, mysql, new CustomerRecords(customers, 3), 200));
                round.latencies.add(latency(n, producer, mysql, new CustomerRecords(customers, 4),
                        Math.max(1, Math.round(e2e / 2))));
            }
        }
        return round;
    }

    /**
     * Runs {@value #WARM_UP} records through copies of the three connectors on topics, a collection and a table of
     * their own, then deletes them: the worker's JIT has compiled the connectors' and our transforms' code (the
     * same plugin class loaders), so the legs measure a worker in its steady state, as production runs it, and not
     * the C2 compiler (half of a cold worker's CPU during a 100,000-record leg, by async-profiler).
     */
    private void warmUp(long n, Pipeline pipeline, Admin admin, KafkaProducer<String, String> producer,
                        Connection mysql, List<String> customers) throws Exception {
        progress(n, String.format(Locale.ROOT, "warm-up: %,d records through copies of the three connectors", WARM_UP));
        try (Statement st = mysql.createStatement()) {
            st.execute("CREATE TABLE users_warmup LIKE users");
        }
        admin.createTopics(List.of(new NewTopic("warmup.raw.users", 1, (short) 1),
                new NewTopic("warmup.pipeline.warmup_users", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

        Map<String, String> sink = pipeline.connectorConfig("mongo-sink");
        sink.keySet().removeIf(k -> k.startsWith("topic.override."));
        sink.putAll(Map.of("name", "warmup-mongo-sink", "topics", "warmup.raw.users",
                "topic.override.warmup.raw.users.collection", "warmup_users",
                "errors.deadletterqueue.topic.name", "dlq.warmup"));
        Map<String, String> source = pipeline.connectorConfig("mongo-source");
        source.putAll(Map.of("name", "warmup-mongo-source", "topic.prefix", "warmup",
                "pipeline", "[{\"$match\": {\"ns.coll\": \"warmup_users\"}}]"));
        Map<String, String> jdbc = pipeline.connectorConfig("mysql-sink");
        jdbc.putAll(Map.of("name", "warmup-mysql-sink", "topics", "warmup.pipeline.warmup_users",
                "transforms.users.topics", "warmup\\.pipeline\\.warmup_users", "transforms.users.table", "users_warmup",
                "errors.deadletterqueue.topic.name", "dlq.warmup"));
        List<Map<String, String>> copies = List.of(sink, source, jdbc);
        for (Map<String, String> config : copies) {
            pipeline.deploy(config.get("name"), config);
        }
        CustomerRecords records = new CustomerRecords(customers, 0xFFFFFF);
        for (long i = 0; i < WARM_UP; i++) {
            producer.send(new ProducerRecord<>("warmup.raw.users", records.key(i), records.value(i)));
        }
        producer.flush();
        Pipeline.await(Duration.ofSeconds(600), Duration.ofMillis(100), "warm-up: " + WARM_UP + " rows in users_warmup",
                () -> rowExists(mysql, "users_warmup", records.id(WARM_UP - 1)));
        for (Map<String, String> config : copies) {
            pipeline.rest("DELETE", "/connectors/" + config.get("name"), null, 204);
        }
        upsertCopy(pipeline, mysql, "users_warmup", "users_warmup_limit"); // warms the limit's client up too
        try (Statement st = mysql.createStatement()) {
            st.execute("DROP TABLE users_warmup");
            st.execute("DROP TABLE users_warmup_limit");
        }
        pipeline.mongo().getCollection("warmup_users").drop();
        progress(n, "warm-up: done, its connectors deleted");
    }

    /**
     * Starts a leg (deploys its connector onto input that is already there) and times it: throughput counts from
     * the first output visible to the last, minus what the first check already saw, so connector start-up stays
     * out of it; the wall time from the deploy is reported beside it.
     */
    private Leg measure(long n, String name, ProcessMeter meter, Runnable start, BooleanSupplier firstVisible,
                        BooleanSupplier lastVisible, LongSupplier count) {
        Duration timeout = Duration.ofSeconds(120 + n / 200);
        progress(n, name + ": starting");
        Map<String, Double> cpu0 = meter.cpuSeconds();
        long t0 = System.nanoTime();
        start.run();
        Pipeline.await(timeout, Duration.ofMillis(20), name + ": first output", firstVisible);
        long tFirst = System.nanoTime();
        long atFirst = count.getAsLong();
        // the last record visible is not all of them when the topic has several partitions (--topics F): then
        // count, which is dearer, until all are there
        Pipeline.await(timeout, Duration.ofMillis(20), name + ": record " + n,
                () -> lastVisible.getAsBoolean() && count.getAsLong() >= n);
        long tLast = System.nanoTime();
        Map<String, Double> cpu = ProcessMeter.difference(meter.cpuSeconds(), cpu0);
        double steady = (tLast - tFirst) / 1e9;
        // a leg whose first check already saw most of the output has no steady phase to measure: from the deploy
        double rate = atFirst < n / 2 && steady > 0.5 ? (n - atFirst) / steady : n / ((tLast - t0) / 1e9);
        Leg leg = new Leg(name, rate, (tLast - t0) / 1e9, cpu);
        progress(n, String.format(Locale.ROOT, "%s: %,.0f records/s (%.1f s from the deploy)", name, rate, leg.wallSeconds));
        return leg;
    }

    /** A second batch through all three running connectors: from the first produce call to the last row. */
    private Leg endToEnd(long n, ProcessMeter meter, KafkaProducer<String, String> producer, Connection mysql,
                         CustomerRecords records) {
        String name = "End to end: raw topic → MySQL rows";
        progress(n, name + ": producing " + n + " more records");
        Map<String, Double> cpu0 = meter.cpuSeconds();
        long t0 = System.nanoTime();
        produce(producer, records, n);
        Pipeline.await(Duration.ofSeconds(120 + n / 100), Duration.ofMillis(20), name + ": record " + n,
                () -> rowExists(mysql, records.id(n - 1)) && count(mysql, "users") >= 2 * n);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Leg leg = new Leg(name, n / seconds, seconds, ProcessMeter.difference(meter.cpuSeconds(), cpu0));
        progress(n, String.format(Locale.ROOT, "%s: %,.0f records/s (%.1f s)", name, leg.recordsPerSecond, seconds));
        return leg;
    }

    /** Deploys a shipped connector config, with the --set changes for it. */
    private void deploy(Pipeline pipeline, String name) {
        Map<String, String> config = pipeline.connectorConfig(name);
        config.putAll(overrides.getOrDefault(name, Map.of()));
        pipeline.deploy(name, config);
    }

    // ---- the limit and the peer ---------------------------------------------------------------------------

    /**
     * The rows the JDBC sink wrote, read back page by page and upserted into {@code users_limit} (same definition,
     * partitions and indexes) with multi-row {@code INSERT ... ON DUPLICATE KEY UPDATE} statements of the sink's
     * batch size, one transaction per batch like the sink. Only the writes are timed.
     */
    private double limit(Pipeline pipeline, Connection mysql, long n) throws SQLException {
        progress(n, "limit: plain JDBC multi-row upsert of the same rows into users_limit");
        double[] result = upsertCopy(pipeline, mysql, "users", "users_limit");
        if (result[0] != n) {
            throw new IllegalStateException("the limit wrote " + (long) result[0] + " rows, expected " + n);
        }
        progress(n, String.format(Locale.ROOT, "limit: %,.0f rows/s", result[1]));
        return result[1];
    }

    /** Copies {@code from} into a new table {@code to} as the limit does; returns {rows, rows per second}. */
    private static double[] upsertCopy(Pipeline pipeline, Connection mysql, String from, String to) throws SQLException {
        try (Statement st = mysql.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + to);
            st.execute("CREATE TABLE " + to + " LIKE " + from);
        }
        Secrets.Credentials admin = pipeline.stack().mysqlAdmin();
        String url = admin.jdbcUrl() + (admin.jdbcUrl().contains("?") ? "&" : "?") + "rewriteBatchedStatements=true";
        Properties props = new Properties();
        props.setProperty("user", admin.user());
        props.setProperty("password", admin.password());
        long writeNanos = 0;
        long written = 0;
        try (Connection writer = DriverManager.getConnection(url, props);
             PreparedStatement page = mysql.prepareStatement("SELECT " + String.join(", ", USER_COLUMNS)
                     + " FROM " + from + " WHERE id > ? ORDER BY id LIMIT " + SINK_BATCH)) {
            writer.setAutoCommit(false);
            String after = "";
            while (true) {
                page.setString(1, after);
                List<Object[]> rows = new ArrayList<>(SINK_BATCH);
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        Object[] row = new Object[USER_COLUMNS.size()];
                        for (int c = 0; c < row.length; c++) {
                            row[c] = rs.getObject(c + 1);
                        }
                        rows.add(row);
                    }
                }
                if (rows.isEmpty()) {
                    break;
                }
                after = (String) rows.get(rows.size() - 1)[0];
                long t0 = System.nanoTime();
                try (PreparedStatement upsert = writer.prepareStatement(multiRowUpsert(to, rows.size()))) {
                    int p = 1;
                    for (Object[] row : rows) {
                        for (Object value : row) {
                            upsert.setObject(p++, value);
                        }
                    }
                    upsert.executeUpdate();
                }
                writer.commit();
                writeNanos += System.nanoTime() - t0;
                written += rows.size();
            }
        }
        return new double[] {written, written / (writeNanos / 1e9)};
    }

    private static String multiRowUpsert(String table, int rows) {
        String one = "(" + String.join(", ", USER_COLUMNS.stream().map(c -> "?").toList()) + ")";
        return "INSERT INTO " + table + " (" + String.join(", ", USER_COLUMNS) + ") VALUES "
                + String.join(", ", java.util.Collections.nCopies(rows, one)) + " ON DUPLICATE KEY UPDATE "
                + USER_COLUMNS.stream().skip(1).map(c -> c + " = VALUES(" + c + ")").collect(Collectors.joining(", "));
    }

    /** benchmarks/python/batch_peer.py over the n documents in MongoDB, into users_batch_peer. */
    private Peer peer(Pipeline pipeline, long n) throws Exception {
        progress(n, "peer: the Python batch job (pymongo + mysqlclient) on the same documents");
        try (Connection c = pipeline.mysql(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS users_batch_peer");
            st.execute("CREATE TABLE users_batch_peer LIKE users");
        }
        Secrets.Credentials admin = pipeline.stack().mysqlAdmin();
        Matcher url = Pattern.compile("^jdbc:[a-z]+://([^:/]+):(\\d+)/([^?]+)").matcher(admin.url());
        if (!url.find()) {
            throw new IllegalStateException("cannot read host, port and database of " + admin.url());
        }
        ProcessBuilder builder = new ProcessBuilder(python.toString(),
                repo.resolve("benchmarks/python/batch_peer.py").toString(),
                "--mongo-uri", pipeline.stack().mongoUri(), "--mysql-host", url.group(1), "--mysql-port", url.group(2),
                "--mysql-database", url.group(3), "--mysql-user", admin.user(), "--table", "users_batch_peer",
                "--batch-size", Integer.toString(SINK_BATCH));
        builder.environment().put("BATCH_PEER_MYSQL_PASSWORD", admin.password());
        builder.environment().put("BATCH_PEER_HMAC_SECRET", Secrets.piiSecret(pipeline.stack().secretsDir()));
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(1, TimeUnit.HOURS) || process.exitValue() != 0) {
            throw new IllegalStateException("batch_peer.py failed (exit " + process.exitValue() + "): " + out);
        }
        JsonNode result = JSON.readTree(out.substring(out.lastIndexOf('\n') + 1));
        if (result.get("rows").asLong() != n) {
            throw new IllegalStateException("batch_peer.py wrote " + result.get("rows") + " rows, expected " + n);
        }
        Peer peer = new Peer(result.get("rows_per_s").asDouble(), result.get("seconds").asDouble(),
                result.get("cpu_s").asDouble(), result.get("max_rss_mib").asDouble());
        progress(n, String.format(Locale.ROOT, "peer: %,.0f rows/s (%.1f s, %.1f CPU s)", peer.rowsPerSecond,
                peer.seconds, peer.cpuSeconds));
        return peer;
    }

    // ---- latency --------------------------------------------------------------------------------------------

    /**
     * Produces at a fixed rate for {@code latencySeconds} while polling MySQL every 10 ms for the ids not yet seen
     * (one range query from the oldest pending id). Latency = first poll that sees the row − the produce call;
     * the poll step bounds the error at +10 ms.
     */
    private Latency latency(long n, KafkaProducer<String, String> producer, Connection mysql, CustomerRecords records,
                            long perSecond) throws Exception {
        int total = (int) (perSecond * latencySeconds);
        progress(n, String.format(Locale.ROOT, "latency: %,d records/s for %d s", perSecond, latencySeconds));
        long[] sentAt = new long[total];
        long[] seenAt = new long[total];
        int[] sent = {0};
        Thread sender = new Thread(() -> {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + (long) (i * 1e9 / perSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                sentAt[i] = System.nanoTime();
                producer.send(new ProducerRecord<>("raw.users", records.key(i), records.value(i)));
                synchronized (sent) {
                    sent[0] = i + 1;
                }
            }
            producer.flush();
        }, "latency-sender");
        sender.start();
        int oldestPending = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(latencySeconds + 120L);
        try (PreparedStatement poll = mysql.prepareStatement("SELECT id FROM users WHERE id >= ? AND id <= ?")) {
            while (oldestPending < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("latency at " + perSecond + " records/s: record " + oldestPending
                            + " of " + total + " not in MySQL after " + (latencySeconds + 120) + " s");
                }
                int upTo;
                synchronized (sent) {
                    upTo = sent[0];
                }
                if (upTo > oldestPending) {
                    poll.setString(1, records.id(oldestPending));
                    poll.setString(2, records.id(upTo - 1));
                    long now;
                    try (ResultSet rs = poll.executeQuery()) {
                        now = System.nanoTime();
                        while (rs.next()) {
                            int i = (int) Long.parseLong(rs.getString(1).substring(14), 16);
                            if (seenAt[i] == 0) {
                                seenAt[i] = now;
                            }
                        }
                    }
                    while (oldestPending < upTo && seenAt[oldestPending] != 0) {
                        oldestPending++;
                    }
                }
                Thread.sleep(10);
            }
        }
        sender.join();
        double[] ms = new double[total];
        for (int i = 0; i < total; i++) {
            ms[i] = (seenAt[i] - sentAt[i]) / 1e6;
        }
        Arrays.sort(ms);
        Latency latency = new Latency(perSecond, total, percentile(ms, 50), percentile(ms, 95), percentile(ms, 99),
                ms[ms.length - 1]);
        progress(n, String.format(Locale.ROOT, "latency at %,d records/s: p50 %.0f ms, p95 %.0f ms, p99 %.0f ms",
                perSecond, latency.p50, latency.p95, latency.p99));
        return latency;
    }

    private static double percentile(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    // ---- plumbing ------------------------------------------------------------------------------------------

    private static KafkaProducer<String, String> producer(Pipeline pipeline) {
        Properties props = pipeline.stack().kafkaClientProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    /** Sends records 0..n-1 to raw.users and waits for every acknowledgement; returns records/s. */
    private static double produce(KafkaProducer<String, String> producer, CustomerRecords records, long n) {
        java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        long t0 = System.nanoTime();
        for (long i = 0; i < n && failure.get() == null; i++) {
            producer.send(new ProducerRecord<>("raw.users", records.key(i), records.value(i)), (metadata, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
            });
        }
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("produce to raw.users failed: " + failure.get(), failure.get());
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * Records in a topic: the sum of its partitions' end offsets (any partition count, e.g. --topics F). The
     * partitions are looked up once; the supplier, polled during a leg, only lists their offsets.
     */
    private static LongSupplier endOffsets(Admin admin, String topic) {
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        } catch (Exception e) {
            throw new IllegalStateException("partitions of " + topic + ": " + e, e);
        }
        return () -> {
            try {
                long sum = 0;
                for (var offset : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values()) {
                    sum += offset.offset();
                }
                return sum;
            } catch (Exception e) {
                throw new IllegalStateException("end offsets of " + topic + ": " + e, e);
            }
        };
    }

    private static boolean rowExists(Connection mysql, String id) {
        return rowExists(mysql, "users", id);
    }

    private static boolean rowExists(Connection mysql, String table, String id) {
        try (PreparedStatement st = mysql.prepareStatement("SELECT 1 FROM " + table + " WHERE id = ?")) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SELECT from " + table + ": " + e.getMessage(), e);
        }
    }

    private static long count(Connection mysql, String table) {
        try (Statement st = mysql.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("SELECT COUNT(*) FROM " + table + ": " + e.getMessage(), e);
        }
    }

    private static void progress(long n, String message) {
        System.out.printf(Locale.ROOT, "[bench legs] n=%,d: %s%n", n, message);
    }

    // ---- the report ----------------------------------------------------------------------------------------

    private String report(Instant started) {
        StringBuilder out = new StringBuilder();
        Round largest = rounds.get(rounds.size() - 1);
        out.append("Run of ").append(started.toString(), 0, 10).append(", `./pipeline bench legs")
                .append(volumes.equals(List.of(10_000L, 100_000L, 1_000_000L)) ? "" : " --volumes "
                        + volumes.stream().map(String::valueOf).collect(Collectors.joining(",")))
                .append(overrides.isEmpty() ? "" : " " + overrides.entrySet().stream().flatMap(c -> c.getValue()
                        .entrySet().stream().map(e -> "--set " + c.getKey() + "." + e.getKey() + "=" + e.getValue()))
                        .collect(Collectors.joining(" ")))
                .append("`, ").append(Duration.between(started, Instant.now()).toMinutes()).append(" minutes. ")
                .append(machine()).append("\n\n");

        out.append(String.format(Locale.ROOT, "Throughput per leg at %,d records (ratio = leg ÷ the limit of the same"
                + " run; CPU seconds per process over the leg):%n%n", largest.n));
        List<String> processes = new ArrayList<>(largest.legs.get(0).cpuSeconds.keySet());
        out.append("| leg | records/s | ratio to the limit | wall s | ")
                .append(processes.stream().map(p -> "CPU s " + p).collect(Collectors.joining(" | "))).append(" |\n");
        out.append("|---|---|---|---|").append("---|".repeat(processes.size())).append("\n");
        out.append(String.format(Locale.ROOT, "| **limit**: plain JDBC multi-row upsert, same rows, same MariaDB | %,.0f"
                + " | 1.00 |%s%n", largest.limit, " |".repeat(processes.size() + 1)));
        for (Leg leg : largest.legs) {
            out.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f | %.1f | %s |%n", leg.name, leg.recordsPerSecond,
                    leg.recordsPerSecond / largest.limit, leg.wallSeconds, processes.stream()
                            .map(p -> String.format(Locale.ROOT, "%.1f", leg.cpuSeconds.getOrDefault(p, 0.0)))
                            .collect(Collectors.joining(" | "))));
        }
        out.append(String.format(Locale.ROOT, "| peer: Python batch job (pymongo → mysqlclient upsert) | %,.0f | %.2f |"
                        + " %.1f | %.1f CPU s, %.0f MiB peak in its own process |%n", largest.peer.rowsPerSecond,
                largest.peer.rowsPerSecond / largest.limit, largest.peer.seconds, largest.peer.cpuSeconds,
                largest.peer.maxRssMiB)).append("\n");

        out.append("Growth (records/s per leg at each volume; spread = (max − min) ÷ max):\n\n");
        out.append("| leg | ").append(rounds.stream().map(r -> String.format(Locale.ROOT, "%,d", r.n))
                .collect(Collectors.joining(" | "))).append(" | spread |\n");
        out.append("|---|").append("---|".repeat(rounds.size())).append("---|\n");
        growthRow(out, "limit", rounds.stream().map(r -> r.limit).toList());
        for (int l = 0; l < largest.legs.size(); l++) {
            int leg = l;
            growthRow(out, largest.legs.get(l).name, rounds.stream().map(r -> r.legs.get(leg).recordsPerSecond).toList());
        }
        growthRow(out, "peer (Python batch job)", rounds.stream().map(r -> r.peer.rowsPerSecond).toList());
        out.append("\n");

        out.append("Latency, produce call → row visible in MySQL (polled every 10 ms), all three connectors running"
                + String.format(Locale.ROOT, " on the stack of the %,d round, after its end-to-end batch; half the"
                + " maximum = half its end-to-end throughput:%n%n", largest.n));
        out.append("| rate | records | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|\n");
        for (Latency l : largest.latencies) {
            out.append(String.format(Locale.ROOT, "| %,d records/s | %,d | %.0f ms | %.0f ms | %.0f ms | %.0f ms |%n",
                    l.perSecond, l.records, l.p50, l.p95, l.p99, l.max));
        }
        out.append("\n");

        Latency slow = largest.latencies.isEmpty() ? null : largest.latencies.get(0);
        double peerMean = peerIntervalSeconds / 2.0 + largest.peer.seconds;
        double peerWorst = peerIntervalSeconds + largest.peer.seconds;
        Leg e2e = largest.legs.get(largest.legs.size() - 1);
        out.append(String.format(Locale.ROOT, "Ours beside the peer at %,d documents:%n%n", largest.n));
        out.append("| | records/s | staleness, typical | staleness, worst |\n|---|---|---|---|\n");
        out.append(String.format(Locale.ROOT, "| ours, end to end | %,.0f | %s | %s |%n", e2e.recordsPerSecond,
                slow == null ? "" : String.format(Locale.ROOT, "%.2f s (p50 at 200/s)", slow.p50 / 1000),
                slow == null ? "" : String.format(Locale.ROOT, "%.2f s (p99 at 200/s)", slow.p99 / 1000)));
        out.append(String.format(Locale.ROOT, "| peer, every %d s | %,.0f | %.0f s (interval ÷ 2 + run) | %.0f s"
                        + " (interval + run) |%n", peerIntervalSeconds, largest.peer.rowsPerSecond, peerMean, peerWorst));
        if (slow != null) {
            out.append(String.format(Locale.ROOT, "%nStaleness ratio peer ÷ ours: %.0f× typical, %.0f× worst.%n",
                    peerMean / (slow.p50 / 1000), peerWorst / (slow.p99 / 1000)));
        }
        out.append("\nPeak resident memory per process (MiB, VmHWM, the process and its children; Connect worker"
                + " -Xmx 1g):\n\n");
        out.append("| volume | ").append(String.join(" | ", largest.peakRssMiB.keySet())).append(" |\n");
        out.append("|---|").append("---|".repeat(largest.peakRssMiB.size())).append("\n");
        for (Round r : rounds) {
            out.append(String.format(Locale.ROOT, "| %,d | ", r.n)).append(largest.peakRssMiB.keySet().stream()
                    .map(p -> String.format(Locale.ROOT, "%.0f", r.peakRssMiB.getOrDefault(p, 0.0)))
                    .collect(Collectors.joining(" | "))).append(" |\n");
        }
        return out.toString();
    }

    private static void growthRow(StringBuilder out, String name, List<Double> rates) {
        double max = rates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double min = rates.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        out.append("| ").append(name).append(" | ")
                .append(rates.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).collect(Collectors.joining(" | ")))
                .append(String.format(Locale.ROOT, " | %.0f%% |%n", max == 0 ? 0 : 100 * (max - min) / max));
    }

    private static String machine() {
        String cpu = "unknown CPU";
        long memKb = 0;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
            memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D+", ""))).orElse(0L);
        } catch (IOException e) {
            // not Linux: the description says less
        }
        return String.format(Locale.ROOT, "Machine: %d cores (%s), %.0f GiB, %s %s, Java %s; every component on this"
                        + " machine.", Runtime.getRuntime().availableProcessors(), cpu, memKb / 1024.0 / 1024.0,
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"));
    }

    private void writeToBenchmarksMd(String report) throws IOException {
        Path file = repo.resolve("BENCHMARKS.md");
        String text = Files.readString(file);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(file + " has no " + BEGIN + " ... " + END + " block to write into;"
                    + " the report is above");
        }
        Files.writeString(file, text.substring(0, begin + BEGIN.length()) + "\n" + report + text.substring(end));
        System.out.println("[bench legs] written to " + file);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    // ---- results -------------------------------------------------------------------------------------------

    private record Leg(String name, double recordsPerSecond, double wallSeconds, Map<String, Double> cpuSeconds) { }

    private record Peer(double rowsPerSecond, double seconds, double cpuSeconds, double maxRssMiB) { }

    private record Latency(long perSecond, int records, double p50, double p95, double p99, double max) { }

    private static final class Round {
        final long n;
        final List<Leg> legs = new ArrayList<>();
        final List<Latency> latencies = new ArrayList<>();
        double limit;
        Peer peer;
        Map<String, Double> peakRssMiB = Map.of();

        Round(long n) {
            this.n = n;
        }
    }
}

package dev.mongorow.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bson.Document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;

/**
 * One fault scenario on a running pipeline: a {@link KeyedStream} produced at a bounded rate while faults are
 * injected at given points of the stream, then the exact end state checked and the figures measured.
 *
 * <ul>
 *   <li><b>End state</b>: MySQL holds exactly the expected rows (no missing key, no extra key, the latest version
 *       of each) and MongoDB exactly one document per live key with its latest version.</li>
 *   <li><b>Duplicates</b>, measured on the change-event topics (every record of the stream makes exactly one
 *       MongoDB write and one change event): events published twice by the source (same resume token), and
 *       extra MongoDB writes from records the MongoDB sink applied again (distinct events beyond one per
 *       record; a redelivered record that does not change the document makes no event, so this is a lower
 *       bound). Also raw records on Kafka vs. records produced (producer retries across a broker restart).</li>
 *   <li><b>Time to recover</b>: from the injection of a fault until the first record produced after the fault
 *       was over (component back, or tasks running elsewhere) is in MySQL: topics have one partition and every
 *       connector one task, so every record produced before it has landed by then. A marker at 5% of the stream,
 *       before any fault, gives the normal lag.</li>
 *   <li>No dead letter may appear (the stream holds no bad record: a fault must never divert good records), and
 *       no task may be FAILED unless the scenario allows the monitor's restart (then the restarts are counted:
 *       the test does what the monitor DAG does, {@code POST /connectors/{name}/restart?includeTasks=true&onlyFailed=true}).</li>
 * </ul>
 *
 * Every wait is bounded, every loop bounded in count. Figures go to {@code target/reliability/<name>.md}.
 */
final class FaultScenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> RAW_TOPICS = List.of("raw.users", "raw.transactions");
    private static final List<String> CHANGE_TOPICS = List.of("mongo.pipeline.users", "mongo.pipeline.transactions");
    private static final List<String> DEAD_LETTER_TOPICS = List.of("dlq.mongo-sink", "dlq.mysql-sink");
    /** The largest record the pipeline carries (the broker's message.max.bytes): the test producers allow it. */
    static final int MAX_RECORD_BYTES = dev.mongorow.stack.KafkaBroker.MAX_RECORD_BYTES;

    /** What a fault does to the stack; returns when the fault is over (component back, or killed for good). */
    @FunctionalInterface
    interface Action {
        void run(Pipeline pipeline) throws Exception;
    }

    record Fault(double at, String description, Action action) {
    }

    private final String name;
    private final String command;
    private int records = 10_000;
    private int liveKeys = 2_000;
    private double ratePerSecond = 1_000;
    private Duration drainTimeout = Duration.ofMinutes(5);
    private boolean monitorRestarts;
    private boolean sourceResumes;
    private final List<Fault> faults = new ArrayList<>();

    private FaultScenario(String name, String command) {
        this.name = name;
        this.command = command;
    }

    /**
     * @param name    file name of the figures (target/reliability/&lt;name&gt;.md)
     * @param command the command that runs it, for the report
     */
    static FaultScenario named(String name, String command) {
        return new FaultScenario(name, command);
    }

    FaultScenario records(int n) {
        this.records = n;
        return this;
    }

    FaultScenario liveKeys(int n) {
        this.liveKeys = n;
        return this;
    }

    FaultScenario rate(double perSecond) {
        this.ratePerSecond = perSecond;
        return this;
    }

    FaultScenario drainTimeout(Duration d) {
        this.drainTimeout = d;
        return this;
    }

    /**
     * The MongoDB source must resume where it was (its stored offset, or the resume token it holds), not start
     * over: it may publish again at most 5% of the stream's events, where a source reading the change stream from
     * its configured start would publish again every event before the first fault.
     */
    FaultScenario sourceResumes() {
        this.sourceResumes = true;
        return this;
    }

    /** FAILED tasks are restarted as the monitor DAG does, and counted, instead of failing the scenario. */
    FaultScenario monitorRestarts() {
        this.monitorRestarts = true;
        return this;
    }

    /** Injects {@code action} when a fraction {@code at} (0..1) of the stream has been produced. */
    FaultScenario fault(double at, String description, Action action) {
        faults.add(new Fault(at, description, action));
        return this;
    }

    // ---- running ------------------------------------------------------------------------------------------

    /** What one fault took. */
    record FaultTiming(String description, Instant injected, Instant over, Instant markerLanded) {
        Duration recovery() {
            return markerLanded == null ? null : Duration.between(injected, markerLanded);
        }

        Duration recoveryAfterFault() {
            return markerLanded == null ? null : Duration.between(over, markerLanded);
        }
    }

    /** The figures of one run. */
    record Result(String name, int records, int inserts, int updates, int deletes, int liveRows, long rawOnKafka,
                  int rowsLost, int extraRows, int staleRows, int mongoMissing, int mongoExtra, int mongoStale,
                  long changeEvents, long sourceRepublished, long sinkReapplied, int deadLetters,
                  Duration baselineLag, List<FaultTiming> faults, Duration drain, Duration total,
                  Map<String, Integer> monitorRestarts, List<String> failedTasks) {
    }

    Result run(Pipeline pipeline) throws Exception {
        String prefix = "f" + Long.toString(System.nanoTime() % 2_000_000_000L, 36) + Integer.toString(name.length(), 36) + "-";
        KeyedStream stream = new KeyedStream(prefix, prefix.hashCode(), liveKeys);
        Instant started = Instant.now();
        Map<String, Long> rawStart = endOffsets(pipeline, RAW_TOPICS);
        Map<String, Long> changeStart = endOffsets(pipeline, CHANGE_TOPICS);
        Map<String, Long> dlqStart = endOffsets(pipeline, DEAD_LETTER_TOPICS);

        Watcher watcher = new Watcher(pipeline, monitorRestarts);
        Thread watcherThread = new Thread(watcher, "fault-watcher");
        watcherThread.setDaemon(true);
        watcherThread.start();
        List<FaultTiming> timings = new ArrayList<>();
        AtomicInteger produced = new AtomicInteger();
        AtomicReference<Throwable> sendFailure = new AtomicReference<>();
        Duration baselineLag;
        KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(pipeline));
        try {
            // markers are produced by the main thread between records of the stream: the stream object is
            // not thread-safe, so one lock guards it and the producer's order of sends
            Object lock = new Object();
            Thread producerThread = new Thread(() -> produceStream(stream, producer, lock, produced, sendFailure), "fault-stream");
            producerThread.setDaemon(true);
            producerThread.start();

            awaitProduced(produced, (int) (records * 0.05), sendFailure);
            String baseline = sendMarker(stream, producer, lock, "baseline");
            Instant baselineSent = Instant.now();
            watcher.watchMarker(baseline);

            int index = 0;
            for (Fault fault : faults) {
                awaitProduced(produced, (int) (records * fault.at()), sendFailure);
                index++;
                Instant injected = Instant.now();
                log("fault " + index + " at " + produced.get() + " records: " + fault.description());
                try {
                    fault.action().run(pipeline);
                } catch (Throwable e) {
                    // say it now: the stream is still running and the test output is only read at the end
                    log("fault " + index + " failed: " + e);
                    e.printStackTrace(System.out);
                    sendFailure.compareAndSet(null, new IllegalStateException("fault " + index + " failed", e));
                    producerThread.join(10_000);
                    throw e;
                }
                Instant over = Instant.now();
                // the first record produced after the fault: when its row is in MySQL, so is everything before it
                watcher.watchMarker(sendMarker(stream, producer, lock, "fault" + index));
                log("fault " + index + " over after " + seconds(Duration.between(injected, over)));
                timings.add(new FaultTiming(fault.description(), injected, over, null));
            }
            producerThread.join(Duration.ofMinutes(30).toMillis());
            if (producerThread.isAlive()) {
                producerThread.interrupt();
                throw new AssertionError("the stream did not finish producing within 30 minutes");
            }
            producer.flush();
            if (sendFailure.get() != null) {
                throw new AssertionError("producing the stream failed", sendFailure.get());
            }
            Instant produceEnd = Instant.now();
            log("stream produced: " + stream.records() + " records in " + seconds(Duration.between(started, produceEnd)));

            Map<String, Integer> transactions = stream.expectedTransactions();
            Map<String, Integer> users = stream.expectedUsers();
            awaitExact(pipeline, prefix, transactions, users, drainTimeout);
            Instant caughtUp = Instant.now();
            Duration drain = Duration.between(produceEnd, caughtUp);
            log("MySQL exact " + seconds(drain) + " after the last record was produced");

            // when MySQL is exact every marker has landed; give the watcher a moment to see them (if MySQL is not
            // exact, a marker may never land: its time to recover is then reported as n/a and the checks below fail)
            for (int i = 0; i < 150 && !watcher.allLanded(); i++) {
                sleep(200);
            }
            watcher.stop();
            watcherThread.join(10_000);
            Instant landed = watcher.landed(baseline);
            baselineLag = landed == null ? null : Duration.between(baselineSent, landed);
            List<FaultTiming> complete = new ArrayList<>();
            for (int i = 0; i < timings.size(); i++) {
                FaultTiming t = timings.get(i);
                complete.add(new FaultTiming(t.description(), t.injected(), t.over(), watcher.landed(prefix + "m-fault" + (i + 1))));
            }

            Diff mysqlTx = diff(transactions, mysqlVersions(pipeline, prefix, true));
            Diff mysqlUsers = diff(users, mysqlVersions(pipeline, prefix, false));
            Diff mongoTx = diff(transactions, mongoVersions(pipeline, prefix, true));
            Diff mongoUsers = diff(users, mongoVersions(pipeline, prefix, false));
            Map<String, Long> rawEnd = endOffsets(pipeline, RAW_TOPICS);
            long rawOnKafka = RAW_TOPICS.stream().mapToLong(t -> rawEnd.get(t) - rawStart.get(t)).sum();
            long[] events = changeEvents(pipeline, changeStart, prefix, stream);
            Map<String, Long> dlqEnd = endOffsets(pipeline, DEAD_LETTER_TOPICS);
            int deadLetters = (int) DEAD_LETTER_TOPICS.stream().mapToLong(t -> dlqEnd.get(t) - dlqStart.get(t)).sum();

            Result result = new Result(name, stream.records(), stream.inserts(), stream.updates(), stream.deletes(),
                    transactions.size() + users.size(), rawOnKafka,
                    mysqlTx.missing + mysqlUsers.missing, mysqlTx.extra + mysqlUsers.extra, mysqlTx.stale + mysqlUsers.stale,
                    mongoTx.missing + mongoUsers.missing, mongoTx.extra + mongoUsers.extra, mongoTx.stale + mongoUsers.stale,
                    events[0], events[0] - events[1], events[1] - stream.records(), deadLetters,
                    baselineLag, complete, drain, Duration.between(started, caughtUp),
                    watcher.restarts(), watcher.failures());
            report(result);

            assertEquals(0, result.rowsLost(), "rows lost in MySQL");
            assertEquals(0, result.extraRows(), "extra rows in MySQL");
            assertEquals(0, result.staleRows(), "rows without their latest version in MySQL");
            assertEquals(0, result.mongoMissing() + result.mongoExtra() + result.mongoStale(),
                    "MongoDB: one document per live key with its latest version");
            assertEquals(stream.records(), rawOnKafka, "raw records on Kafka = records produced (no producer duplicate)");
            assertTrue(events[1] >= stream.records(), "a change event for every record: " + events[1] + " < " + stream.records());
            assertEquals(0, deadLetters, "no good record may be dead-lettered by a fault");
            if (sourceResumes) {
                assertTrue(result.sourceRepublished() <= stream.records() / 20, "the source resumed where it was: "
                        + result.sourceRepublished() + " events published twice, more than 5% of " + stream.records());
            }
            if (!monitorRestarts) {
                assertEquals(List.of(), result.failedTasks(), "no task may fail (no restart by a person or the monitor)");
            }
            return result;
        } finally {
            watcher.stop();
            producer.close(Duration.ofSeconds(10)); // bounded: the broker may be the component that is down
        }
    }

    private void produceStream(KeyedStream stream, KafkaProducer<String, String> producer, Object lock,
                               AtomicInteger produced, AtomicReference<Throwable> failure) {
        long t0 = System.nanoTime();
        int chunk = Math.max(1, (int) Math.min(500, ratePerSecond / 20));
        try {
            for (int i = 0; i < records && failure.get() == null && !Thread.currentThread().isInterrupted(); i += chunk) {
                int n = Math.min(chunk, records - i);
                synchronized (lock) {
                    for (int j = 0; j < n; j++) {
                        send(producer, stream.next(), failure);
                    }
                }
                produced.addAndGet(n);
                long due = t0 + (long) ((i + n) / ratePerSecond * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    private static void send(KafkaProducer<String, String> producer, KeyedStream.Raw raw, AtomicReference<Throwable> failure) {
        producer.send(new ProducerRecord<>(raw.topic(), raw.key(), raw.value()), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    private static String sendMarker(KeyedStream stream, KafkaProducer<String, String> producer, Object lock, String name) {
        synchronized (lock) {
            KeyedStream.Raw raw = stream.marker(name);
            producer.send(new ProducerRecord<>(raw.topic(), raw.key(), raw.value()));
            return raw.id();
        }
    }

    private static void awaitProduced(AtomicInteger produced, int target, AtomicReference<Throwable> failure) {
        Pipeline.await(Duration.ofMinutes(20), target + " records produced", () -> {
            if (failure.get() != null) {
                throw new AssertionError("producing the stream failed", failure.get());
            }
            return produced.get() >= target;
        });
    }

    static Properties producerProps(Pipeline pipeline) {
        Properties props = pipeline.stack().kafkaClientProperties(); // bootstrap servers (+ SASL_SSL in secure mode)
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // a broker restart must not fail a send: retry for up to 10 minutes
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(600_000));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(600_000));
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_RECORD_BYTES));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    static Properties consumerProps(Pipeline pipeline) {
        Properties props = pipeline.stack().kafkaClientProperties();
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(MAX_RECORD_BYTES));
        return props;
    }

    // ---- end state ----------------------------------------------------------------------------------------

    private static void awaitExact(Pipeline pipeline, String prefix, Map<String, Integer> transactions,
                                   Map<String, Integer> users, Duration timeout) {
        long expectedTxSum = transactions.values().stream().mapToLong(Integer::longValue).sum();
        long expectedUserSum = users.values().stream().mapToLong(Integer::longValue).sum();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        for (int attempt = 0; attempt < 100_000; attempt++) {
            try {
                long[] tx = countAndSum(pipeline, "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM transactions WHERE id LIKE '" + prefix + "%'");
                long[] us = countAndSum(pipeline, "SELECT COUNT(*), COALESCE(SUM(CAST(SUBSTRING(name, 2) AS UNSIGNED)), 0) FROM users "
                        + "WHERE username LIKE '" + prefix + "%'");
                last = "transactions " + tx[0] + "/" + transactions.size() + " rows, users " + us[0] + "/" + users.size() + " rows";
                if (tx[0] == transactions.size() && tx[1] == expectedTxSum && us[0] == users.size() && us[1] == expectedUserSum
                        && mysqlVersions(pipeline, prefix, true).equals(transactions)
                        && mysqlVersions(pipeline, prefix, false).equals(users)) {
                    return;
                }
            } catch (IllegalStateException e) {
                last = "MySQL not answering: " + e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                log("MySQL not exact after " + timeout.toSeconds() + "s: " + last);
                return; // the diff below reports what is missing, extra or stale
            }
            sleep(2_000);
        }
    }

    private static long[] countAndSum(Pipeline pipeline, String sql) {
        try (Connection c = pipeline.mysql(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** MySQL: transaction id -> amount, or user id -> n of name "v&lt;n&gt;", of this stream's rows. */
    static Map<String, Integer> mysqlVersions(Pipeline pipeline, String prefix, boolean transactions) {
        String sql = transactions ? "SELECT id, amount FROM transactions WHERE id LIKE '" + prefix + "%'"
                : "SELECT id, name FROM users WHERE username LIKE '" + prefix + "%'";
        Map<String, Integer> rows = new HashMap<>();
        try (Connection c = pipeline.mysql(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                int version = transactions ? rs.getInt(2) : Integer.parseInt(rs.getString(2).substring(1));
                if (rows.put(rs.getString(1), version) != null) {
                    throw new AssertionError("two rows with id " + rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return rows;
    }

    /** MongoDB: the same, from the documents. */
    static Map<String, Integer> mongoVersions(Pipeline pipeline, String prefix, boolean transactions) {
        Map<String, Integer> docs = new HashMap<>();
        if (transactions) {
            for (Document d : pipeline.mongo().getCollection("transactions")
                    .find(Filters.regex("_id", "^" + java.util.regex.Pattern.quote(prefix))).projection(Projections.include("amount"))) {
                if (docs.put(d.getString("_id"), ((Number) d.get("amount")).intValue()) != null) {
                    throw new AssertionError("two documents with _id " + d.get("_id"));
                }
            }
        } else {
            for (Document d : pipeline.mongo().getCollection("users")
                    .find(Filters.regex("username", "^" + java.util.regex.Pattern.quote(prefix))).projection(Projections.include("name"))) {
                if (docs.put(d.getObjectId("_id").toHexString(), Integer.parseInt(d.getString("name").substring(1))) != null) {
                    throw new AssertionError("two documents with _id " + d.get("_id"));
                }
            }
        }
        return docs;
    }

    record Diff(int missing, int extra, int stale, List<String> examples) {
    }

    static Diff diff(Map<String, Integer> expected, Map<String, Integer> actual) {
        int missing = 0;
        int stale = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            Integer got = actual.get(e.getKey());
            if (got == null) {
                missing++;
                if (examples.size() < 5) {
                    examples.add("missing " + e.getKey());
                }
            } else if (!got.equals(e.getValue())) {
                stale++;
                if (examples.size() < 5) {
                    examples.add(e.getKey() + " holds version " + got + " instead of " + e.getValue());
                }
            }
        }
        int extra = 0;
        for (String key : actual.keySet()) {
            if (!expected.containsKey(key)) {
                extra++;
                if (examples.size() < 5) {
                    examples.add("extra " + key);
                }
            }
        }
        if (!examples.isEmpty()) {
            log("differences: " + examples);
        }
        return new Diff(missing, extra, stale, examples);
    }

    // ---- measuring on Kafka -------------------------------------------------------------------------------

    static Map<String, Long> endOffsets(Pipeline pipeline, List<String> topics) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(pipeline))) {
            for (String topic : topics) {
                List<TopicPartition> partitions;
                try {
                    partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                            .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
                } catch (org.apache.kafka.common.errors.TimeoutException | NullPointerException e) {
                    partitions = List.of();
                }
                out.put(topic, partitions.isEmpty() ? 0L
                        : consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum());
            }
        }
        return out;
    }

    /**
     * Change events of this stream since {@code from}: [all events, distinct events (by resume token)].
     * All minus distinct = events the source published twice; distinct minus records = extra MongoDB writes.
     */
    private static long[] changeEvents(Pipeline pipeline, Map<String, Long> from, String prefix, KeyedStream stream) {
        Set<String> userIds = stream.allUserIds();
        long all = 0;
        Set<String> tokens = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(pipeline))) {
            for (String topic : CHANGE_TOPICS) {
                TopicPartition tp = new TopicPartition(topic, 0);
                consumer.assign(List.of(tp));
                consumer.seek(tp, from.get(topic));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.value() == null || !topic.endsWith("users") && !r.value().contains(prefix)) {
                            continue;
                        }
                        JsonNode event;
                        try {
                            event = JSON.readTree(r.value());
                        } catch (IOException e) {
                            continue;
                        }
                        if (!ours(event, prefix, topic.endsWith("users"), userIds)) {
                            continue;
                        }
                        all++;
                        tokens.add(event.at("/_id/_data").asText());
                    }
                }
            }
        }
        return new long[] {all, tokens.size()};
    }

    /** Whether a change event concerns this stream: a transaction id with the prefix, or one of its users. */
    private static boolean ours(JsonNode event, String prefix, boolean users, Set<String> userIds) {
        if (!users) {
            return event.at("/documentKey/_id").asText().startsWith(prefix);
        }
        return userIds.contains(event.at("/documentKey/_id/$oid").asText());
    }

    // ---- watching markers and task states -----------------------------------------------------------------

    /** Polls MySQL for markers and the REST API for FAILED tasks (restarting them when allowed). */
    private static final class Watcher implements Runnable {
        private final Pipeline pipeline;
        private final boolean restart;
        private final Map<String, Instant> landed = new ConcurrentHashMap<>();
        private final Set<String> pending = ConcurrentHashMap.newKeySet();
        private final Map<String, Integer> restarts = new ConcurrentHashMap<>();
        private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
        private final Map<String, Long> runningSince = new ConcurrentHashMap<>();
        private final Set<String> failedNow = ConcurrentHashMap.newKeySet();
        private final List<String> failures = new CopyOnWriteArrayList<>();
        private volatile boolean stopped;

        Watcher(Pipeline pipeline, boolean restart) {
            this.pipeline = pipeline;
            this.restart = restart;
        }

        void watchMarker(String id) {
            pending.add(id);
        }

        boolean allLanded() {
            return pending.isEmpty();
        }

        Instant landed(String id) {
            return landed.get(id);
        }

        Map<String, Integer> restarts() {
            return new LinkedHashMap<>(restarts);
        }

        List<String> failures() {
            return new ArrayList<>(failures);
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            // task states in a thread of their own: a REST call may hang while a worker or the broker is down,
            // and must not delay seeing markers land
            Thread tasks = new Thread(() -> loop(this::pollTasks, 1_000), "fault-watcher-tasks");
            tasks.setDaemon(true);
            tasks.start();
            loop(() -> {
                if (!pending.isEmpty()) {
                    pollMarkers();
                }
            }, 200);
        }

        private void loop(Runnable step, long pauseMillis) {
            for (int i = 0; i < 10_000_000 && !stopped; i++) {
                try {
                    step.run();
                } catch (Throwable e) {
                    log("watcher: " + e); // keep watching: a fault makes any call fail now and then
                }
                sleep(pauseMillis);
            }
        }

        private void pollMarkers() {
            String ids = pending.stream().map(id -> "'" + id + "'").collect(Collectors.joining(","));
            try (Connection c = pipeline.mysql(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT id FROM transactions WHERE id IN (" + ids + ")")) {
                Instant now = Instant.now();
                while (rs.next()) {
                    String id = rs.getString(1);
                    landed.putIfAbsent(id, now);
                    pending.remove(id);
                }
            } catch (SQLException | IllegalStateException e) {
                // MariaDB down (a fault): try again
            }
        }

        private void pollTasks() {
            for (String connector : Pipeline.CONNECTORS) {
                JsonNode status;
                try {
                    status = pipeline.rest("GET", "/connectors/" + connector + "/status", null, 200);
                } catch (RuntimeException e) {
                    return; // worker down or rebalancing (a fault)
                }
                boolean failed = "FAILED".equals(status.at("/connector/state").asText());
                String trace = status.at("/connector/trace").asText("");
                for (JsonNode task : status.path("tasks")) {
                    if ("FAILED".equals(task.path("state").asText())) {
                        failed = true;
                        trace = "task " + task.path("id").asText() + ": " + task.path("trace").asText("");
                    }
                }
                if (failed && failedNow.add(connector)) { // newly FAILED
                    failures.add(connector + " FAILED at " + Instant.now() + ": "
                            + trace.lines().filter(l -> !l.startsWith("\tat ")).limit(4).collect(Collectors.joining(" | ")));
                }
                if (failed) {
                    runningSince.remove(connector);
                } else {
                    failedNow.remove(connector);
                    runningSince.putIfAbsent(connector, System.nanoTime());
                    Long since = runningSince.get(connector);
                    if (System.nanoTime() - since > 20_000_000_000L) {
                        attempts.remove(connector); // settled: the next failure starts the backoff anew
                    }
                }
                if (failed && restart) {
                    monitorRestart(connector);
                }
            }
        }

        /**
         * What the monitor DAG ({@code mongorow_monitor}, airflow/src/mongorow_airflow/monitor.py) does for a FAILED
         * connector: pause 10 s, 20 s, 40 s ... (at most 120 s) before the n-th restart of the failed tasks only.
         * The DAG runs every 5 minutes (3 restarts per run); here the failure is seen within a second, and at most
         * 9 restarts are made.
         */
        private void monitorRestart(String connector) {
            int n = attempts.merge(connector, 1, Integer::sum);
            int total = restarts.getOrDefault(connector, 0);
            if (total >= 9) {
                return;
            }
            long pause = Math.min(120_000L, 10_000L << Math.min(n - 1, 4));
            log("monitor stand-in: " + connector + " FAILED; restart " + (total + 1) + " (failed tasks only) in " + pause / 1000 + " s");
            sleep(pause);
            try {
                pipeline.rest("POST", "/connectors/" + connector + "/restart?includeTasks=true&onlyFailed=true", null, 200, 202, 204);
                restarts.merge(connector, 1, Integer::sum);
            } catch (RuntimeException e) {
                log("monitor stand-in: restart of " + connector + " refused: " + e.getMessage());
            }
        }
    }

    // ---- reporting ----------------------------------------------------------------------------------------

    private void report(Result r) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(r.name()).append(" (").append(Instant.now()).append(")\n\n");
        sb.append("- command: `").append(command).append("`\n");
        sb.append(String.format(Locale.ROOT, "- records: %d (%d inserts, %d updates, %d deletes), %d live keys at the end, "
                        + "rate %.0f/s; raw records on Kafka: %d%n", r.records(), r.inserts(), r.updates(), r.deletes(),
                r.liveRows(), ratePerSecond, r.rawOnKafka()));
        for (int i = 0; i < r.faults().size(); i++) {
            FaultTiming t = r.faults().get(i);
            sb.append(String.format(Locale.ROOT, "- fault %d: %s; fault lasted %s; recovered (the first record produced "
                            + "after the fault in MySQL) %s after injection, %s after the fault was over%n", i + 1, t.description(),
                    seconds(Duration.between(t.injected(), t.over())), seconds(t.recovery()), seconds(t.recoveryAfterFault())));
        }
        sb.append(String.format(Locale.ROOT, "- normal lag (marker before any fault): %s; MySQL exact %s after the last "
                + "record was produced; scenario %s%n", seconds(r.baselineLag()), seconds(r.drain()), seconds(r.total())));
        sb.append(String.format(Locale.ROOT, "- MySQL: %d rows lost, %d extra, %d stale; MongoDB: %d missing, %d extra, "
                + "%d stale%n", r.rowsLost(), r.extraRows(), r.staleRows(), r.mongoMissing(), r.mongoExtra(), r.mongoStale()));
        sb.append(String.format(Locale.ROOT, "- duplicates: %d change events for %d records: %d published twice by the "
                + "source, %d extra MongoDB writes (records the sink applied again); raw duplicates %d%n", r.changeEvents(),
                r.records(), r.sourceRepublished(), r.sinkReapplied(), r.rawOnKafka() - r.records()));
        sb.append(String.format(Locale.ROOT, "- dead letters: %d; FAILED tasks seen: %s; restarts by the monitor stand-in: %s%n",
                r.deadLetters(), r.failedTasks().isEmpty() ? "none" : r.failedTasks(), r.monitorRestarts().isEmpty() ? "none" : r.monitorRestarts()));
        String text = sb.toString();
        System.out.println(text);
        Path dir = Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize().resolve("pipeline-it/target/reliability");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(r.name() + ".md"), text + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static String seconds(Duration d) {
        return d == null ? "n/a" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    static void log(String line) {
        System.out.println("[fault-scenario " + Instant.now() + "] " + line);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.mongorow.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.bson.Document;

import com.mongodb.client.model.Filters;

/**
 * 1% poison records of every kind ({@link PoisonRecords}) in a keyed stream of good records:
 * <ol>
 *   <li>phase 1, inserts only: every poison record lands in a dead-letter topic with its reason, every good
 *       record lands in MySQL, and count(MySQL rows) + count(dead letters) = count(input), exactly;</li>
 *   <li>phase 2, updates and deletes of the good keys with 1% poison again: MySQL holds exactly the expected
 *       state, MongoDB one document per live good key, and every poison record of both phases is one dead letter
 *       with its reason, and no dead letter is anything else.</li>
 * </ol>
 * MongoDB keeps the poison documents that are valid MongoDB documents (wrong types for MySQL, deep nesting, the
 * 10 MB one): they are checked to be there, exactly those.
 */
final class PoisonScenario {
    private static final List<String> DLQS = List.of("dlq.mongo-sink", "dlq.mysql-sink");

    private PoisonScenario() {
    }

    /** One dead letter, bytes as they are on the topic. */
    record Letter(String topic, byte[] key, byte[] value, Map<String, String> headers) {
        String reason() {
            return headers.get("__connect.errors.exception.message");
        }
    }

    record Result(int input, int good, int poison, Map<PoisonRecords.Kind, Integer> perKind, int phase1Input,
                  long phase1Rows, int phase1Letters, int rowsLost, int extraRows, int staleRows, int mongoDiffs,
                  int letters, int unmatchedLetters, int lettersWithoutReason, Duration phase1Landing, Duration total) {
    }

    /**
     * @param goodInserts phase 1 good records (inserts); poison = 1% of the input
     * @param goodChanges phase 2 good records (updates, deletes, inserts)
     * @param tenMegabyteRecords how many of the poison records are the 10 MB kind (each costs 10 MB on every topic
     *                           and in MongoDB's oplog, so it is capped)
     */
    static Result run(Pipeline pipeline, String name, String command, int goodInserts, int goodChanges,
                      int tenMegabyteRecords) throws Exception {
        Instant started = Instant.now();
        String stamp = Long.toString(System.nanoTime() % 2_000_000_000L, 36);
        KeyedStream stream = new KeyedStream("g" + stamp + "-", stamp.hashCode(), goodInserts);
        PoisonRecords poisons = new PoisonRecords("x" + stamp + "-");
        Random random = new Random(stamp.hashCode());
        Map<String, Long> dlqStart = FaultScenario.endOffsets(pipeline, DLQS);
        Map<PoisonRecords.Kind, Integer> perKind = new EnumMap<>(PoisonRecords.Kind.class);
        List<PoisonRecords.Poison> all = new ArrayList<>();
        int[] tenMb = {tenMegabyteRecords};

        Properties props = FaultScenario.producerProps(pipeline);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(64 * 1024 * 1024));
        Duration phase1Landing;
        int phase1Input;
        long phase1Rows;
        int phase1Letters;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            // ---- phase 1: inserts only
            int poison1 = Math.max(PoisonRecords.Kind.values().length, goodInserts / 99);
            List<PoisonRecords.Poison> phase1 = poisonList(poisons, poison1, perKind, tenMb);
            produceMixed(producer, goodInserts, stream::nextInsert, phase1, random);
            all.addAll(phase1);
            phase1Input = goodInserts + phase1.size();
            Instant produced1 = Instant.now();
            String good = stream.prefix();
            long[] seen = new long[2];
            Pipeline.await(Duration.ofMinutes(10), "phase 1: " + goodInserts + " rows in MySQL and " + phase1.size()
                    + " dead letters", () -> {
                        seen[0] = rows(pipeline, good);
                        seen[1] = newLetters(pipeline, dlqStart);
                        return seen[0] >= goodInserts && seen[1] >= phase1.size();
                    });
            phase1Landing = Duration.between(produced1, Instant.now());
            FaultScenario.sleep(3_000); // anything more that would wrongly arrive
            phase1Rows = rows(pipeline, good);
            phase1Letters = (int) newLetters(pipeline, dlqStart);
            FaultScenario.log(name + " phase 1: " + phase1Rows + " rows + " + phase1Letters + " dead letters, input "
                    + phase1Input);

            // ---- phase 2: updates, deletes (and inserts) of the good keys, with poison again
            int poison2 = Math.max(PoisonRecords.Kind.values().length, goodChanges / 99);
            List<PoisonRecords.Poison> phase2 = poisonList(poisons, poison2, perKind, tenMb);
            produceMixed(producer, goodChanges, stream::next, phase2, random);
            all.addAll(phase2);
        }
        Map<String, Integer> transactions = stream.expectedTransactions();
        Map<String, Integer> users = stream.expectedUsers();
        String good = stream.prefix();
        Pipeline.await(Duration.ofMinutes(10), "phase 2: MySQL exact and " + all.size() + " dead letters", () ->
                FaultScenario.mysqlVersions(pipeline, good, true).equals(transactions)
                        && FaultScenario.mysqlVersions(pipeline, good, false).equals(users)
                        && newLetters(pipeline, dlqStart) >= all.size());
        FaultScenario.sleep(3_000);

        FaultScenario.Diff tx = FaultScenario.diff(transactions, FaultScenario.mysqlVersions(pipeline, good, true));
        FaultScenario.Diff us = FaultScenario.diff(users, FaultScenario.mysqlVersions(pipeline, good, false));
        FaultScenario.Diff mongoTx = FaultScenario.diff(transactions, FaultScenario.mongoVersions(pipeline, good, true));
        FaultScenario.Diff mongoUs = FaultScenario.diff(users, FaultScenario.mongoVersions(pipeline, good, false));

        // MongoDB keeps exactly the poison documents that are valid MongoDB documents
        Set<String> keptExpected = new HashSet<>();
        for (PoisonRecords.Poison p : all) {
            if (p.mongoKeeps()) {
                keptExpected.add(p.id());
            }
        }
        Set<String> kept = new HashSet<>();
        String poisonPrefix = Pattern.quote("x" + stamp + "-");
        for (Document d : pipeline.mongo().getCollection("transactions").find(Filters.regex("_id", "^" + poisonPrefix))) {
            kept.add(d.getString("_id"));
        }
        for (Document d : pipeline.mongo().getCollection("users").find(Filters.regex("username", "^" + poisonPrefix))) {
            kept.add(d.getObjectId("_id").toHexString());
        }
        long poisonRowsInMysql = pipeline.mysqlCount("SELECT COUNT(*) FROM transactions WHERE id LIKE 'x" + stamp + "-%'")
                + pipeline.mysqlCount("SELECT COUNT(*) FROM users WHERE username LIKE 'x" + stamp + "-%'");

        // every poison record is exactly one dead letter with its reason; no other dead letter
        List<Letter> letters = letters(pipeline, dlqStart);
        List<Letter> unmatched = new ArrayList<>(letters);
        Map<String, String> examples = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (PoisonRecords.Poison p : all) {
            List<Letter> found = unmatched.stream().filter(l -> matches(l, p)).toList();
            if (found.size() != 1) {
                problems.add(p + ": " + found.size() + " dead letters in " + p.deadLetterTopic());
                continue;
            }
            Letter l = found.get(0);
            unmatched.remove(l);
            examples.putIfAbsent(p.kind() + " (" + p.variant().replaceAll("\\s+", " ") + ")", p.deadLetterTopic() + ": "
                    + (l.reason() == null ? "null" : l.reason().length() > 300 ? l.reason().substring(0, 300) + "..." : l.reason()));
            if (l.reason() == null || !l.reason().contains(p.reason())) {
                problems.add(p + ": reason '" + l.reason() + "' does not say '" + p.reason() + "'");
            }
            String topic = p.deadLetterTopic().equals("dlq.mongo-sink") ? p.topic()
                    : p.topic().replace("raw.", "mongo.pipeline.");
            if (!topic.equals(l.headers().get("__connect.errors.topic"))) {
                problems.add(p + ": __connect.errors.topic is " + l.headers().get("__connect.errors.topic"));
            }
        }
        int withoutReason = (int) letters.stream().filter(l -> l.reason() == null || l.reason().isBlank()).count();
        for (Letter l : unmatched) {
            problems.add("a dead letter that is no poison record: " + l.topic() + " key " + excerpt(l.key()) + " value "
                    + excerpt(l.value()) + " reason " + l.reason() + " (" + l.headers().get("__connect.errors.exception.class.name") + ")");
        }

        Result result = new Result(phase1Input + goodChanges + (all.size() - (phase1Input - goodInserts)),
                stream.records(), all.size(), perKind, phase1Input, phase1Rows, phase1Letters,
                tx.missing() + us.missing(), tx.extra() + us.extra(), tx.stale() + us.stale(),
                mongoTx.missing() + mongoTx.extra() + mongoTx.stale() + mongoUs.missing() + mongoUs.extra() + mongoUs.stale(),
                letters.size(), unmatched.size(), withoutReason, phase1Landing, Duration.between(started, Instant.now()));
        report(name, command, result, problems, keptExpected.size(), kept.size(), examples);

        assertEquals(phase1Input, phase1Rows + phase1Letters, "phase 1: count(MySQL rows) + count(dead letters) = count(input)");
        assertEquals(goodInserts, phase1Rows, "phase 1: every good record landed");
        assertEquals(List.of(), problems, "every poison record is one dead letter with its reason, nothing else is");
        assertEquals(0, result.rowsLost() + result.extraRows() + result.staleRows(), "MySQL exact after phase 2");
        assertEquals(0, result.mongoDiffs(), "MongoDB: one document per live good key, latest version");
        assertEquals(keptExpected, kept, "MongoDB keeps exactly the poison documents that are valid MongoDB documents");
        assertEquals(0, poisonRowsInMysql, "no poison record in MySQL");
        assertEquals(0, withoutReason, "every dead letter carries its reason");
        assertTrue(perKind.keySet().containsAll(Arrays.asList(PoisonRecords.Kind.values())), "every kind: " + perKind);
        return result;
    }

    private static List<PoisonRecords.Poison> poisonList(PoisonRecords poisons, int count,
                                                         Map<PoisonRecords.Kind, Integer> perKind, int[] tenMbLeft) {
        List<PoisonRecords.Kind> kinds = new ArrayList<>(Arrays.asList(PoisonRecords.Kind.values()));
        List<PoisonRecords.Poison> out = new ArrayList<>();
        for (int i = 0; out.size() < count && i < count * 10; i++) {
            PoisonRecords.Kind kind = kinds.get(i % kinds.size());
            if (kind == PoisonRecords.Kind.TEN_MEGABYTES) {
                if (tenMbLeft[0] <= 0) {
                    continue;
                }
                tenMbLeft[0]--;
            }
            int nth = perKind.merge(kind, 1, Integer::sum) - 1;
            out.add(poisons.next(kind, nth));
        }
        return out;
    }

    /** Good records and poison records interleaved at random positions, in one producer, flushed. */
    private static void produceMixed(KafkaProducer<byte[], byte[]> producer, int goodCount,
                                     java.util.function.Supplier<KeyedStream.Raw> good, List<PoisonRecords.Poison> poison,
                                     Random random) {
        int total = goodCount + poison.size();
        Set<Integer> poisonAt = new HashSet<>();
        while (poisonAt.size() < poison.size()) {
            poisonAt.add(random.nextInt(total));
        }
        List<Integer> positions = new ArrayList<>(poisonAt);
        positions.sort(null);
        int p = 0;
        List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < total; i++) {
            ProducerRecord<byte[], byte[]> record;
            if (p < positions.size() && positions.get(p) == i) {
                PoisonRecords.Poison x = poison.get(p++);
                record = new ProducerRecord<>(x.topic(), x.key(), x.value());
            } else {
                KeyedStream.Raw r = good.get();
                record = new ProducerRecord<>(r.topic(), r.key().getBytes(StandardCharsets.UTF_8),
                        r.value() == null ? null : r.value().getBytes(StandardCharsets.UTF_8));
            }
            producer.send(record, (m, e) -> {
                if (e != null) {
                    failures.add(e);
                }
            });
        }
        producer.flush();
        if (!failures.isEmpty()) {
            throw new AssertionError("the broker refused records: " + failures.size() + ", first: " + failures.get(0), failures.get(0));
        }
    }

    private static long rows(Pipeline pipeline, String prefix) {
        return pipeline.mysqlCount("SELECT COUNT(*) FROM transactions WHERE id LIKE '" + prefix + "%'")
                + pipeline.mysqlCount("SELECT COUNT(*) FROM users WHERE username LIKE '" + prefix + "%'");
    }

    private static long newLetters(Pipeline pipeline, Map<String, Long> start) {
        Map<String, Long> end = FaultScenario.endOffsets(pipeline, DLQS);
        return DLQS.stream().mapToLong(t -> end.get(t) - start.get(t)).sum();
    }

    private static boolean matches(Letter l, PoisonRecords.Poison p) {
        if (!l.topic().equals(p.deadLetterTopic())) {
            return false;
        }
        if (p.deadLetterTopic().equals("dlq.mongo-sink")) {
            return Arrays.equals(l.key(), p.key()) && Arrays.equals(l.value(), p.value());
        }
        // the MySQL sink's dead letter is the change event, keyed by the document key
        return l.key() != null && new String(l.key(), StandardCharsets.UTF_8).contains("\"" + p.id() + "\"");
    }

    private static List<Letter> letters(Pipeline pipeline, Map<String, Long> from) {
        Properties props = FaultScenario.consumerProps(pipeline);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        List<Letter> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            for (String topic : DLQS) {
                Map<String, Long> end = FaultScenario.endOffsets(pipeline, List.of(topic));
                if (end.get(topic) <= from.get(topic)) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(topic, 0);
                consumer.assign(List.of(tp));
                consumer.seek(tp, from.get(topic));
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (consumer.position(tp) < end.get(topic) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        Map<String, String> headers = new LinkedHashMap<>();
                        r.headers().forEach(h -> headers.put(h.key(), h.value() == null ? null
                                : new String(h.value(), StandardCharsets.UTF_8)));
                        out.add(new Letter(topic, r.key(), r.value(), headers));
                    }
                }
            }
        }
        return out;
    }

    private static String excerpt(byte[] b) {
        if (b == null) {
            return "null";
        }
        String s = new String(b, 0, Math.min(b.length, 120), StandardCharsets.UTF_8);
        return "'" + s + (b.length > 120 ? "...' (" + b.length + " bytes)" : "'");
    }

    private static void report(String name, String command, Result r, List<String> problems, int keptExpected, int kept,
                               Map<String, String> examples) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(name).append(" (").append(Instant.now()).append(")\n\n");
        sb.append("- command: `").append(command).append("`\n");
        sb.append(String.format(Locale.ROOT, "- input: %d records: %d good (inserts, then updates/deletes), %d poison (%.1f%%): %s%n",
                r.good() + r.poison(), r.good(), r.poison(), 100.0 * r.poison() / (r.good() + r.poison()), r.perKind()));
        sb.append(String.format(Locale.ROOT, "- phase 1 (inserts only): %d MySQL rows + %d dead letters = %d; input %d; "
                + "all landed %s after the last record was produced%n", r.phase1Rows(), r.phase1Letters(),
                r.phase1Rows() + r.phase1Letters(), r.phase1Input(), FaultScenario.seconds(r.phase1Landing())));
        sb.append(String.format(Locale.ROOT, "- end: MySQL %d rows lost, %d extra, %d stale; MongoDB differences %d; "
                + "poison documents kept by MongoDB %d (expected %d)%n", r.rowsLost(), r.extraRows(), r.staleRows(),
                r.mongoDiffs(), kept, keptExpected));
        sb.append(String.format(Locale.ROOT, "- dead letters: %d for %d poison records; not a poison record: %d; without a "
                + "reason: %d; scenario %s%n", r.letters(), r.poison(), r.unmatchedLetters(), r.lettersWithoutReason(),
                FaultScenario.seconds(r.total())));
        if (!problems.isEmpty()) {
            sb.append("- problems: ").append(problems).append('\n');
        }
        sb.append("- a dead letter of each kind and variant, with its reason:\n");
        examples.forEach((k, v) -> sb.append("  - ").append(k).append(" -> ").append(v).append('\n'));
        String text = sb.toString();
        System.out.println(text);
        Path dir = Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize().resolve("pipeline-it/target/reliability");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".md"), text + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}

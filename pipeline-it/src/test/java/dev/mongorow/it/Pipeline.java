package dev.mongorow.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;

import dev.mongorow.stack.LocalStack;
import dev.mongorow.stack.Secrets;
import dev.mongorow.stack.StackConfig;

/**
 * The whole pipeline for end-to-end tests: the local stack (real Kafka broker, Connect worker, MariaDB and
 * the MongoDB emulator, or real MongoDB and MySQL containers, see {@link Backends}) with the built plugin
 * bundle, the shipped connector configs deployed through the REST API, and real clients to talk to it.
 * One instance is shared by all test classes of a run ({@link PipelineExtension}).
 */
public final class Pipeline implements AutoCloseable {
    public static final List<String> CONNECTORS = List.of("mongo-sink", "mongo-source", "mysql-sink");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path repo;
    private final Backends backends;
    private final LocalStack stack;
    private final KafkaProducer<String, String> producer;
    private final MongoClient mongo;
    /** REST client: https trusting the stack's development CA in secure mode. */
    private final HttpClient http;

    public Pipeline(Path repo, Path home, Backends backends) {
        this(repo, home, backends, config -> { });
    }

    /**
     * A pipeline whose stack settings are adjusted by {@code customizer} (e.g. two Connect workers, other heap
     * sizes) before it starts. Fault tests use their own instance; most tests share the default one.
     */
    public Pipeline(Path repo, Path home, Backends backends, java.util.function.Consumer<StackConfig.Builder> customizer) {
        this.repo = repo;
        this.backends = backends;
        StackConfig.Builder config = StackConfig.builder().home(home).freePorts()
                .pluginPath(repo.resolve("connect-plugins/target/plugins"))
                .mysqlSchema(repo.resolve("connect-configs/mysql/schema.sql"))
                .topics(repo.resolve("connect-configs/topics.json"))
                .connectHeap("768m").kafkaHeap("512m").mongodbHeap("512m");
        backends.configure(config);
        customizer.accept(config);
        this.stack = LocalStack.create(config.build());
        stack.start();
        Properties producerProps = stack.kafkaClientProperties(); // bootstrap servers (+ SASL_SSL in secure mode)
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(producerProps);
        this.mongo = MongoClients.create(stack.mongoClientSettings());
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .sslContext(stack.sslContext() != null ? stack.sslContext() : sslDefault()).build();
    }

    public LocalStack stack() {
        return stack;
    }

    public Path repo() {
        return repo;
    }

    // ---- connectors -----------------------------------------------------------------------------------

    /** The body of PUT /connectors/{name}/config, exactly as committed in connect-configs/connectors. */
    public Map<String, String> connectorConfig(String name) {
        try {
            JsonNode node = JSON.readTree(repo.resolve("connect-configs/connectors/" + name + ".json").toFile());
            Map<String, String> config = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                config.put(e.getKey(), e.getValue().asText());
            }
            return config;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void deploy(String name) {
        deploy(name, connectorConfig(name));
    }

    public void deploy(String name, Map<String, String> config) {
        rest("PUT", "/connectors/" + name + "/config", config, 200, 201);
    }

    /** Deploys every shipped connector and waits until each one and its tasks run. */
    public void deployAll() {
        for (String name : CONNECTORS) {
            deploy(name);
        }
        for (String name : CONNECTORS) {
            awaitRunning(name, Duration.ofSeconds(90));
        }
    }

    public JsonNode status(String name) {
        return rest("GET", "/connectors/" + name + "/status", null, 200);
    }

    public void awaitRunning(String name, Duration timeout) {
        await(timeout, "connector " + name + " and its tasks RUNNING", () -> {
            try {
                JsonNode status = status(name);
                if (!"RUNNING".equals(status.at("/connector/state").asText()) || status.get("tasks").isEmpty()) {
                    return false;
                }
                for (JsonNode task : status.get("tasks")) {
                    if ("FAILED".equals(task.get("state").asText())) {
                        throw new AssertionError("task of " + name + " FAILED: " + task.path("trace").asText());
                    }
                    if (!"RUNNING".equals(task.get("state").asText())) {
                        return false;
                    }
                }
                return true;
            } catch (IllegalStateException e) {
                return false; // worker not answering (restarting)
            }
        });
    }

    /** POST /connectors/{name}/restart?includeTasks=true */
    public void restartConnector(String name) {
        rest("POST", "/connectors/" + name + "/restart?includeTasks=true", null, 200, 202, 204);
    }

    private static javax.net.ssl.SSLContext sslDefault() {
        try {
            return javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public JsonNode rest(String method, String path, Object body, int... expected) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stack.connectUrl() + path))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
            if (stack.connectAuthorization() != null) {
                request.header("Authorization", stack.connectAuthorization()); // basic auth in secure mode
            }
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            for (int code : expected) {
                if (response.statusCode() == code) {
                    return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
                }
            }
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- data in ----------------------------------------------------------------------------------------

    /** Produces one raw record (value null = tombstone) and waits for the broker's acknowledgement. */
    public void produce(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("produce to " + topic + ": " + e, e);
        }
    }

    /** Produces raw bytes (for input that is not valid UTF-8). */
    public void produceBytes(String topic, byte[] key, byte[] value) {
        Properties props = stack.kafkaClientProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> bytes = new KafkaProducer<>(props)) {
            bytes.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("produce to " + topic + ": " + e, e);
        }
    }

    /** Produces many records asynchronously, then flushes. */
    public void produceAll(String topic, List<String[]> keyValues) {
        for (String[] kv : keyValues) {
            producer.send(new ProducerRecord<>(topic, kv[0], kv[1]));
        }
        producer.flush();
    }

    // ---- data out ---------------------------------------------------------------------------------------

    public Connection mysql() throws SQLException {
        Secrets.Credentials admin = stack.mysqlAdmin();
        Properties props = new Properties();
        props.setProperty("user", admin.user());
        props.setProperty("password", admin.password());
        return DriverManager.getConnection(admin.jdbcUrl(), props); // with the TLS parameters in secure mode
    }

    public long mysqlCount(String sql) {
        try (Connection c = mysql(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** One row as column -> value (JDBC objects; DATETIME as LocalDateTime, DATE as LocalDate), or null. */
    public Map<String, Object> mysqlRow(String table, String id) {
        try (Connection c = mysql();
             java.sql.PreparedStatement st = c.prepareStatement("SELECT * FROM " + table + " WHERE id = ?")) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object value = rs.getObject(i);
                    if (value instanceof java.sql.Timestamp) {
                        value = ((java.sql.Timestamp) value).toLocalDateTime(); // DATETIME holds no zone: UTC by design
                    } else if (value instanceof java.sql.Date) {
                        value = ((java.sql.Date) value).toLocalDate();
                    }
                    row.put(rs.getMetaData().getColumnLabel(i), value);
                }
                return row;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public MongoDatabase mongo() {
        return mongo.getDatabase("pipeline");
    }

    /** Every record of a dead-letter topic so far: value text and headers (name -> last value as text). */
    public List<DeadLetter> deadLetters(String topic) {
        Properties props = stack.kafkaClientProperties();
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<DeadLetter> letters = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Map<String, String> headers = new LinkedHashMap<>();
                    record.headers().forEach(h -> headers.put(h.key(), h.value() == null ? null
                            : new String(h.value(), StandardCharsets.UTF_8)));
                    letters.add(new DeadLetter(record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8),
                            record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8), headers));
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return letters; // topic does not exist yet: nothing was dead-lettered
        }
        return letters;
    }

    /** A record of a dead-letter topic. */
    public record DeadLetter(String value, String key, Map<String, String> headers) {
        public String reason() {
            return headers.get("__connect.errors.exception.message");
        }
    }

    // ---- waiting ------------------------------------------------------------------------------------------

    /** Polls {@code condition} every 250 ms until it holds; fails after {@code timeout} naming what was awaited. */
    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        await(timeout, Duration.ofMillis(250), what, condition);
    }

    /** As above, checking every {@code poll} (benchmarks that time the wait need a finer step). */
    public static void await(Duration timeout, Duration poll, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what);
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** Lines of a file of the sample dataset. */
    public List<String> dataset(String file) {
        try (Stream<String> lines = Files.lines(repo.resolve("datasets/sample_analytics").resolve(file))) {
            return lines.collect(Collectors.toList());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        mongo.close();
        stack.stop();
        backends.close();
    }
}

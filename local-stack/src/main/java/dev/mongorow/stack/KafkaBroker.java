package dev.mongorow.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * A single Kafka node in KRaft mode, broker and controller in one process ({@code kafka.Kafka}),
 * listening on 127.0.0.1 only. The storage is formatted with {@code kafka.tools.StorageTool} on first
 * start. Every internal topic has replication factor 1. Ready when an admin client's
 * {@code describeCluster} lists the node.
 */
public final class KafkaBroker extends Component {

    public static final String NAME = "kafka";
    /** Largest record the broker accepts ({@code message.max.bytes}); the connectors' producers allow the same. */
    public static final int MAX_RECORD_BYTES = 20 * 1024 * 1024;

    KafkaBroker(StackConfig config, StackLayout layout, Progress progress) {
        super(NAME, config, layout, progress);
    }

    @Override
    public int port() {
        return config.kafkaExternal() ? -1 : config.kafkaPort();
    }

    @Override
    public boolean external() {
        return config.kafkaExternal();
    }

    @Override
    public String endpoint() {
        return config.kafkaBootstrapServers();
    }

    @Override
    protected List<Integer> portsToBind() {
        return List.of(config.kafkaPort(), config.controllerPort());
    }

    @Override
    protected String startingDetail() {
        return "controller " + config.controllerPort();
    }

    public Path serverProperties() {
        return layout.confDir().resolve("kafka.properties");
    }

    /** The broker configuration; extra properties from the config come last and win. */
    Map<String, String> serverConfig() {
        int port = config.kafkaPort();
        int cport = config.controllerPort();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + cport);
        if (config.secure()) {
            p.putAll(secureListeners(port, cport));
        } else {
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + cport);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        }
        p.put("log.dirs", layout.kafkaDataDir().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        // single node: every internal topic with one replica
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // fewer internal partitions than the default 50: less start-up work on a 2-core machine
        p.put("offsets.topic.num.partitions", "10");
        p.put("transaction.state.log.num.partitions", "10");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        // records up to 20 MiB, as in docker/: a document MongoDB accepts (16 MiB) travels as a raw record, a change
        // event and a dead letter with its context headers (RELIABILITY.md, "Record size")
        p.put("message.max.bytes", Integer.toString(MAX_RECORD_BYTES));
        p.putAll(config.extraKafkaProperties());
        return p;
    }

    /**
     * Secure mode: no plaintext listener at all. Clients and inter-broker traffic use {@code SASL_SSL} with
     * SCRAM-SHA-512 (users created at storage format time, see {@link KafkaStorageFormat}); the KRaft
     * controller listener uses TLS with client certificates (SCRAM cannot authenticate it: its credentials
     * live in the metadata log that listener serves). Every secret is read through the broker's {@code file}
     * config provider, restricted to the secrets folder, so the generated properties file holds none.
     */
    Map<String, String> secureListeners(int port, int cport) {
        Path secrets = layout.secretsDir();
        String storePassword = "${file:" + secrets.resolve(SecureMaterial.TLS) + ":store.password}";
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + cport);
        p.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + port);
        p.put("inter.broker.listener.name", "SASL_SSL");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "CONTROLLER:SSL,SASL_SSL:SASL_SSL");
        p.put("sasl.enabled.mechanisms", SecureMaterial.SCRAM_MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", SecureMaterial.SCRAM_MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "${file:" + secrets.resolve(SecureMaterial.KAFKA_USERS) + ":broker.jaas}");
        p.put("listener.name.controller.ssl.client.auth", "required");
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", secrets.resolve(SecureMaterial.SERVER_STORE).toString());
        p.put("ssl.keystore.password", storePassword);
        p.put("ssl.key.password", storePassword);
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", secrets.resolve(SecureMaterial.CA_CERT).toString());
        p.put("ssl.enabled.protocols", "TLSv1.3,TLSv1.2");
        p.put("ssl.endpoint.identification.algorithm", "https");
        p.put("config.providers", "file");
        p.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        p.put("config.providers.file.param.allowed.paths", secrets.toString());
        return p;
    }

    /** Written when the storage was formatted with the SCRAM users of secure mode. */
    Path scramMarker() {
        return layout.dataDir().resolve("kafka.scram-users");
    }

    @Override
    protected void prepare() throws Exception {
        Files.createDirectories(layout.kafkaDataDir());
        writeProperties(serverProperties(), serverConfig(), "Kafka broker of the local stack (generated on each start)");
        boolean formatted = Files.exists(layout.kafkaDataDir().resolve("meta.properties"));
        if (formatted && config.secure() && !Files.exists(scramMarker())) {
            throw failure("secure mode needs SCRAM users in the broker's metadata, and the storage in "
                    + StackLayout.display(layout.kafkaDataDir()) + " was formatted without them (by a start without --secure):"
                    + " run './pipeline down', then delete " + StackLayout.display(layout.kafkaDataDir())
                    + " (its topics are lost) or use another --home", false);
        }
        if (!formatted) {
            progress.line(name, "formatting storage (first start" + (config.secure() ? ", with the SCRAM users" : "") + ")");
            List<String> cmd = new ArrayList<>();
            cmd.add(javaBinary());
            cmd.add("-Xmx256m");
            cmd.addAll(ProcessControl.markers(layout.home(), name + "-format"));
            cmd.add("-Dlog4j2.configurationFile=" + layout.log4jConfig());
            cmd.add("-cp");
            String clusterId = Uuid.randomUuid().toString();
            if (config.secure()) {
                // passwords from the secrets file, never on this command line
                cmd.add(Classpaths.full());
                cmd.add(KafkaStorageFormat.class.getName());
                cmd.addAll(List.of(clusterId, serverProperties().toString(), layout.secretsDir().resolve(SecureMaterial.KAFKA_USERS).toString()));
            } else {
                cmd.add(Classpaths.kafka());
                cmd.add("kafka.tools.StorageTool");
                cmd.addAll(List.of("format", "-t", clusterId, "-c", serverProperties().toString()));
            }
            int code = ProcessControl.runToCompletion(cmd, layout.home(), logFile(), Duration.ofSeconds(120));
            if (code != 0) {
                throw failure("formatting the storage failed (exit code " + code + ")", true);
            }
            if (config.secure()) {
                Files.writeString(scramMarker(), "storage formatted with the SCRAM users of secure mode\n");
            } else {
                Files.deleteIfExists(scramMarker());
            }
        }
    }

    @Override
    protected List<String> command() {
        List<String> flags = new ArrayList<>(serverJvmFlags(config.kafkaHeap()));
        flags.add("-Dkafka.logs.dir=" + layout.logsDir());
        return java(flags, Classpaths.kafka(), "kafka.Kafka", List.of(serverProperties().toString()));
    }

    @Override
    protected void probe() throws Exception {
        try (Admin admin = admin(3000)) {
            java.util.Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                    .nodes().get(4, TimeUnit.SECONDS);
            if (nodes.isEmpty()) {
                throw new IllegalStateException("describeCluster lists no broker");
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("describeCluster: " + e.getCause().getMessage(), e);
        }
    }

    /** An admin client with short timeouts, for readiness checks and status. */
    Admin admin(int timeoutMs) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs));
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "mongorow-local-stack");
        p.putAll(clientSecurity());
        return Admin.create(p);
    }

    /** Security settings of the stack's own Kafka clients (user admin in secure mode; none otherwise). */
    Properties clientSecurity() {
        return config.secure() && !config.kafkaExternal()
                ? SecureMaterial.kafkaClientProperties(layout.secretsDir(), "admin") : new Properties();
    }

    static void writeProperties(Path file, Map<String, String> props, String comment) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder("# ").append(comment).append('\n');
        for (Map.Entry<String, String> e : props.entrySet()) {
            sb.append(e.getKey()).append('=').append(escape(e.getValue())).append('\n');
        }
        Files.writeString(file, sb.toString());
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }
}

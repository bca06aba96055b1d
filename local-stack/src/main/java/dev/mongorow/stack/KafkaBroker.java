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
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + cport);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
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
        p.putAll(config.extraKafkaProperties());
        return p;
    }

    @Override
    protected void prepare() throws Exception {
        Files.createDirectories(layout.kafkaDataDir());
        writeProperties(serverProperties(), serverConfig(), "Kafka broker of the local stack (generated on each start)");
        if (!Files.exists(layout.kafkaDataDir().resolve("meta.properties"))) {
            progress.line(name, "formatting storage (first start)");
            List<String> cmd = new ArrayList<>();
            cmd.add(javaBinary());
            cmd.add("-Xmx256m");
            cmd.addAll(ProcessControl.markers(layout.home(), name + "-format"));
            cmd.add("-Dlog4j2.configurationFile=" + layout.log4jConfig());
            cmd.add("-cp");
            cmd.add(Classpaths.kafka());
            cmd.add("kafka.tools.StorageTool");
            cmd.addAll(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", serverProperties().toString()));
            int code = ProcessControl.runToCompletion(cmd, layout.home(), logFile(), Duration.ofSeconds(120));
            if (code != 0) {
                throw failure("formatting the storage failed (exit code " + code + ")", true);
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
        return Admin.create(p);
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

package dev.mongorow.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.file.FileStreamSourceConnector;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real stack, one per class: started exactly as {@code ./pipeline up} does (StackMain in a child
 * JVM that exits while the stack keeps running), then checked and driven through the {@link LocalStack}
 * API from this JVM, and stopped with {@code StackMain down} in another child JVM. Free ports, a temp
 * home, one Connect worker, the MongoDB emulator and the embedded MariaDB. No mocks.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalStackTest {

    // kept when a test fails, so the components' logs (home/logs) can be read afterwards
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path tmp;

    static StackConfig config;
    static LocalStack stack;
    static String upOutput;
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void up() throws Exception {
        // a real (small) plugin: Kafka's own file connectors, in a plugin.path folder of their own
        Path plugins = tmp.resolve("plugins");
        Path jar = Path.of(FileStreamSourceConnector.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.createDirectories(plugins.resolve("connect-file"));
        Files.copy(jar, plugins.resolve("connect-file").resolve(jar.getFileName()));

        config = StackConfig.builder().home(tmp.resolve("home")).freePorts().connectWorkers(1)
                .pluginPath(plugins).kafkaHeap("512m").connectHeap("512m").mongodbHeap("512m").build();
        CliResult r = cli("up");
        upOutput = r.output;
        System.out.println(upOutput);
        assertEquals(0, r.exitCode, "pipeline up failed:\n" + upOutput);
        stack = LocalStack.create(config, Progress.to(System.out));
    }

    @AfterAll
    static void safetyNet() {
        if (stack != null && !stack.liveProcesses().isEmpty()) {
            stack.stop();
        }
    }

    @Test
    @Order(1)
    void upPrintsOneLinePerStateChangeAndReturnsWithTheStackRunning() {
        for (String c : List.of("kafka", "mariadb", "mongodb", "connect-1")) {
            assertTrue(upOutput.contains("[" + c + "] starting (port "), c + " starting line:\n" + upOutput);
            assertTrue(upOutput.matches("(?s).*\\[" + c + "] ready in \\d+\\.\\ds.*"), c + " ready line:\n" + upOutput);
        }
        assertTrue(upOutput.contains("[kafka] formatting storage (first start)"));
        assertTrue(upOutput.contains("[stack] up in "));
        // the launcher JVM has exited; every component still runs, each its own process, none ours
        long self = ProcessHandle.current().pid();
        List<Long> pids = new ArrayList<>();
        for (Component c : stack.components()) {
            ProcessHandle h = c.process().orElseThrow(() -> new AssertionError(c.name() + " is not running"));
            assertNotEquals(self, h.pid());
            assertTrue(h.parent().map(p -> p.pid() != self).orElse(true), c.name() + " must not be a child of the test JVM");
            pids.add(h.pid());
        }
        assertEquals(pids.size(), pids.stream().distinct().count(), "one process per component: " + pids);
    }

    @Test
    @Order(2)
    void everyComponentAnswersOverARealConnection() throws Exception {
        try (Admin admin = admin()) {
            Collection<Node> nodes = admin.describeCluster().nodes().get(20, TimeUnit.SECONDS);
            assertEquals(1, nodes.size());
            Node n = nodes.iterator().next();
            assertEquals("127.0.0.1", n.host());
            assertEquals(config.kafkaPort(), n.port());
        }

        JsonNode root = getJson(stack.connectUrl() + "/");
        assertEquals("4.3.1", root.path("version").asText());
        assertTrue(getJson(stack.connectUrl() + "/connectors").isArray());
        assertTrue(getJson(stack.connectUrl() + "/connector-plugins").toString().contains(FileStreamSourceConnector.class.getName()));

        try (Connection c = MariaDb.connect(stack.mysqlAdmin()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1, DATABASE(), @@character_set_server, @@collation_server, VERSION(), @@bind_address")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(1));
            assertEquals("pipeline", rs.getString(2));
            assertEquals("utf8mb4", rs.getString(3));
            assertEquals("utf8mb4_unicode_ci", rs.getString(4));
            assertTrue(rs.getString(5).startsWith("11.4"), rs.getString(5));
            assertEquals("127.0.0.1", rs.getString(6));
        }

        Document hello = MongoDb.hello(stack.mongoUri());
        assertEquals(Boolean.TRUE, hello.getBoolean("isWritablePrimary"));
        assertEquals("rs0", hello.getString("setName"));
        try (MongoClient client = MongoClients.create(stack.mongoUri())) {
            client.getDatabase("stacktest").getCollection("docs").insertOne(new Document("_id", "k1").append("v", 1));
        }

        StackStatus s = stack.status();
        assertTrue(s.allUp(), s.render());
    }

    @Test
    @Order(3)
    void everyServiceListensOnLoopbackOnly() throws IOException {
        Path tcp = Path.of("/proc/net/tcp");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(tcp), "needs Linux /proc/net/tcp");
        List<String> listening = new ArrayList<>();
        for (Path f : List.of(tcp, Path.of("/proc/net/tcp6"))) {
            if (!Files.isReadable(f)) {
                continue;
            }
            for (String line : Files.readAllLines(f).subList(1, Files.readAllLines(f).size())) {
                String[] cols = line.trim().split("\\s+");
                if (cols[3].equals("0A")) { // LISTEN
                    listening.add(cols[1]);
                }
            }
        }
        int[] ports = {config.kafkaPort(), config.controllerPort(), config.connectPort(), config.mariadbPort(), config.mongodbPort()};
        for (int port : ports) {
            String hexPort = String.format(Locale.ROOT, ":%04X", port);
            List<String> mine = listening.stream().filter(a -> a.endsWith(hexPort)).toList();
            assertFalse(mine.isEmpty(), "nothing listens on " + port);
            for (String a : mine) {
                String addr = a.substring(0, a.indexOf(':'));
                assertTrue(addr.equals("0100007F") || addr.equals("0000000000000000FFFF00000100007F"),
                        "port " + port + " listens on " + addr + ", not on 127.0.0.1 only");
            }
        }
    }

    @Test
    @Order(4)
    void theApplicationUserHasLeastPrivilegeAndSecretsStayPrivate() throws Exception {
        Secrets.Credentials admin = stack.mysqlAdmin();
        Secrets.Credentials app = stack.mysqlApp();
        assertEquals(MariaDb.APP_USER, app.user());
        assertNotEquals(admin.password(), app.password());
        try (Connection c = MariaDb.connect(admin); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE lp_probe (id INT PRIMARY KEY, v VARCHAR(20))");
        }
        try (Connection c = MariaDb.connect(app); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO lp_probe VALUES (1, 'a'), (2, 'b')");
            st.executeUpdate("UPDATE lp_probe SET v = 'c' WHERE id = 2");
            st.executeUpdate("DELETE FROM lp_probe WHERE id = 2");
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM lp_probe")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
            assertDenied(st, "DROP TABLE lp_probe");
            assertDenied(st, "TRUNCATE TABLE lp_probe");
            assertDenied(st, "CREATE TABLE other (id INT)");
            assertDenied(st, "CREATE DATABASE other");
            assertDenied(st, "SELECT * FROM mysql.global_priv");
            assertDenied(st, "SELECT 1 INTO OUTFILE '/tmp/mongorow-lp-probe.txt'");
            assertDenied(st, "SET GLOBAL max_connections = 10");
            try (ResultSet rs = st.executeQuery("SHOW GRANTS")) {
                StringBuilder grants = new StringBuilder();
                while (rs.next()) {
                    grants.append(rs.getString(1)).append('\n');
                }
                String g = grants.toString().toUpperCase(Locale.ROOT);
                for (String forbidden : List.of("DROP", "FILE", "SUPER", "ALL PRIVILEGES", "GRANT OPTION", "CREATE")) {
                    assertFalse(g.contains(forbidden), "application user must not have " + forbidden + ":\n" + g);
                }
                assertTrue(g.contains("SELECT, INSERT, UPDATE, DELETE ON `PIPELINE`.*"), g);
            }
        }

        Path secrets = stack.secretsDir();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets)));
        try (Stream<Path> files = Files.list(secrets)) {
            for (Path f : files.toList()) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            }
        }
        // never logged, never on a command line
        try (Stream<Path> logs = Files.list(stack.layout().logsDir())) {
            for (Path log : logs.toList()) {
                String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                assertFalse(text.contains(admin.password()) || text.contains(app.password()), "a password is in " + log);
            }
        }
        for (ProcessHandle h : stack.liveProcesses()) {
            String cmd = String.join(" ", ProcessControl.commandLine(h));
            assertFalse(cmd.contains(admin.password()) || cmd.contains(app.password()), "a password is on the command line of " + h.pid());
        }
    }

    @Test
    @Order(5)
    void statusReportsComponentsConnectorsTablesAndDeadLetters() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("dlq.test-sink", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("dlq.test-sink", i % 2, "k" + i, "bad record " + i)).get(30, TimeUnit.SECONDS);
            }
        }
        Path input = tmp.resolve("lines.txt");
        Files.writeString(input, "one\ntwo\n");
        putConnector("file-source", Map.of(
                "connector.class", FileStreamSourceConnector.class.getName(),
                "tasks.max", "1",
                "file", input.toString(),
                "topic", "file.lines"));
        awaitTrue(Duration.ofSeconds(60), () -> taskState("file-source").equals("RUNNING"), "file-source task RUNNING");

        StackStatus s = stack.status();
        String text = s.render();
        System.out.println(text);
        assertTrue(s.allUp(), text);
        assertEquals(Map.of("lp_probe", 1L), s.tableRows(), text);
        assertEquals("pipeline", s.database());
        assertEquals(Map.of("dlq.test-sink", 3L), s.deadLetters(), text);
        assertEquals(3L, s.deadLetterTotal());
        StackStatus.ConnectorStatus fs = s.connectors().stream().filter(c -> c.name().equals("file-source")).findFirst().orElseThrow();
        assertEquals("RUNNING", fs.state());
        assertEquals("source", fs.type());
        assertEquals("127.0.0.1:" + config.connectPort(), fs.workerId());
        assertEquals(1, fs.tasks().size());
        assertTrue(text.contains("lp_probe") && text.contains("dlq.test-sink") && text.contains("file-source"), text);

        CliResult cli = cli("status");
        assertEquals(0, cli.exitCode, cli.output);
        assertTrue(cli.output.contains("connect-1") && cli.output.contains("RUNNING") && cli.output.contains("3 records"), cli.output);
    }

    @Test
    @Order(6)
    void aKilledConnectWorkerIsReportedDeadAndARestartBringsItBack() throws Exception {
        ConnectWorker worker = stack.connect(1);
        long pid = worker.process().orElseThrow().pid();
        worker.kill();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "SIGKILL did not kill " + pid);

        StackStatus s = stack.status();
        assertEquals(Component.State.DEAD, s.component("connect-1").state(), s.render());
        assertEquals(pid, s.component("connect-1").pid());
        assertFalse(s.allUp());
        assertNotNull(s.connectorsError());
        CliResult cli = cli("status");
        assertEquals(1, cli.exitCode, cli.output);
        assertTrue(cli.output.matches("(?s).*connect-1\\s+dead\\s+" + pid + ".*"), cli.output);

        worker.start();
        long newPid = worker.process().orElseThrow().pid();
        assertNotEquals(pid, newPid);
        assertEquals(Component.State.UP, worker.state());
        // the connector survived in the config topic and its task runs again on the new worker
        awaitTrue(Duration.ofSeconds(90), () -> taskState("file-source").equals("RUNNING"), "file-source task RUNNING after restart");
        assertTrue(stack.status().allUp());
    }

    @Test
    @Order(7)
    void mariadbAndTheEmulatorKeepTheirDataAcrossRestarts() throws Exception {
        stack.mongodb().restart();
        try (MongoClient client = MongoClients.create(stack.mongoUri())) {
            MongoCollection<Document> docs = client.getDatabase("stacktest").getCollection("docs");
            assertEquals(1, docs.find(new Document("_id", "k1")).first().getInteger("v"));
        }

        stack.mariadb().stop();
        assertEquals(Component.State.DOWN, stack.mariadb().state());
        assertThrows(SQLException.class, () -> MariaDb.connect(stack.mysqlApp()).close());
        stack.mariadb().start();
        try (Connection c = MariaDb.connect(stack.mysqlApp()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT v FROM lp_probe WHERE id = 1")) {
            assertTrue(rs.next());
            assertEquals("a", rs.getString(1));
        }
    }

    @Test
    @Order(8)
    void theBrokerRestartsWithItsTopics() throws Exception {
        stack.kafka().restart();
        try (Admin admin = admin()) {
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("dlq.test-sink"));
        }
        awaitTrue(Duration.ofSeconds(90), () -> stack.status().allUp(), "all up after a broker restart");
        assertEquals(3L, stack.status().deadLetterTotal());
    }

    @Test
    @Order(9)
    void downStopsConnectFirstAndTheBrokerLastAndLeavesNothingBehind() throws Exception {
        List<ProcessHandle> before = stack.liveProcesses();
        assertTrue(before.size() >= 5, "4 JVMs and mariadbd expected: " + before); // kafka, connect-1, mariadb wrapper + mariadbd, mongodb

        CliResult r = cli("down");
        System.out.println(r.output);
        assertEquals(0, r.exitCode, r.output);
        List<String> lines = r.output.lines().toList();
        int connectStopped = indexOf(lines, "[connect-1] stopped");
        int mongoStopping = indexOf(lines, "[mongodb] stopping");
        int mariaStopping = indexOf(lines, "[mariadb] stopping");
        int mongoStopped = indexOf(lines, "[mongodb] stopped");
        int mariaStopped = indexOf(lines, "[mariadb] stopped");
        int kafkaStopping = indexOf(lines, "[kafka] stopping");
        assertTrue(connectStopped < mongoStopping && connectStopped < mariaStopping, r.output);
        assertTrue(mongoStopped < kafkaStopping && mariaStopped < kafkaStopping, r.output);
        assertFalse(r.output.contains("SIGKILL"), () -> "every component should stop on SIGTERM:\n" + r.output
                + "\nwhat the worker was doing when it was killed:\n" + connectThreadsAtKill());

        for (ProcessHandle h : before) {
            assertFalse(h.isAlive(), "still alive: " + h.pid() + " " + ProcessControl.commandLine(h));
        }
        assertEquals(List.of(), stack.liveProcesses());
        try (Stream<Path> run = Files.list(stack.layout().runDir())) {
            assertEquals(List.of(), run.filter(f -> f.toString().endsWith(".pid")).toList());
        }
        StackStatus s = stack.status();
        for (StackStatus.ComponentStatus c : s.components()) {
            assertEquals(Component.State.DOWN, c.state(), s.render());
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    record CliResult(int exitCode, String output) { }

    /** Runs StackMain in a child JVM, as the pipeline script does, with this stack's options as flags. */
    static CliResult cli(String command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Component.javaBinary(), "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", Classpaths.full(), StackMain.class.getName(), command));
        for (Map.Entry<StackConfig.Option, String> e : config.asOptions().entrySet()) {
            if (e.getValue() != null) {
                cmd.add(e.getKey().flag());
                cmd.add(e.getValue());
            }
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("StackMain " + command + " did not return:\n" + out);
        }
        return new CliResult(p.exitValue(), out);
    }

    static Admin admin() {
        Properties p = new Properties();
        p.put("bootstrap.servers", stack.kafkaBootstrapServers());
        return Admin.create(p);
    }

    static JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return JSON.readTree(r.body());
    }

    static void putConnector(String name, Map<String, String> cfg) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(stack.connectUrl() + "/connectors/" + name + "/config"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(cfg))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200 || r.statusCode() == 201, r.statusCode() + " " + r.body());
    }

    static String taskState(String connector) {
        try {
            JsonNode s = getJson(stack.connectUrl() + "/connectors/" + connector + "/status");
            JsonNode tasks = s.path("tasks");
            return tasks.isEmpty() ? "NO TASK" : tasks.get(0).path("state").asText();
        } catch (Exception | AssertionError e) {
            return "unknown: " + e.getMessage();
        }
    }

    static void awaitTrue(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(500);
        }
        fail("timed out after " + timeout.toSeconds() + "s waiting for: " + what);
    }

    static void assertDenied(Statement st, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> st.execute(sql), "must be denied: " + sql);
        String m = e.getMessage().toLowerCase(Locale.ROOT);
        assertTrue(m.contains("denied") || m.contains("privilege"), sql + " failed for another reason: " + e.getMessage());
    }

    /**
     * From the thread dump the stack requests before a SIGKILL: the threads running Connect code, and the worker's
     * warnings and errors after it began to stop. A failure here is timing-dependent; this says where it hung.
     */
    static String connectThreadsAtKill() {
        try {
            String log = Files.readString(stack.connect(1).logFile());
            int stopping = log.lastIndexOf("Kafka Connect stopping");
            int dump = log.lastIndexOf("Full thread dump");
            StringBuilder out = new StringBuilder();
            if (stopping >= 0) {
                log.substring(stopping, dump > stopping ? dump : log.length()).lines()
                        .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).limit(40)
                        .forEach(l -> out.append(l).append('\n'));
            }
            if (dump >= 0) {
                for (String thread : log.substring(dump).split("\n\\s*\n")) {
                    if (thread.contains("org.apache.kafka.connect")) {
                        out.append(thread.strip()).append("\n\n");
                    }
                }
            }
            return out.length() == 0 ? "(no thread dump in " + stack.connect(1).logFile() + ")" : out.toString();
        } catch (IOException e) {
            return "(cannot read the worker log: " + e + ")";
        }
    }

    static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        fail("no line starting with '" + prefix + "' in:\n" + String.join("\n", lines));
        return -1;
    }
}

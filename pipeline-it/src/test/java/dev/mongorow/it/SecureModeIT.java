package dev.mongorow.it;

import static dev.mongorow.it.Documents.newUserId;
import static dev.mongorow.it.Documents.user;
import static dev.mongorow.it.Documents.userKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;

import dev.mongorow.stack.MariaDb;
import dev.mongorow.stack.SecureMaterial;
import dev.mongorow.stack.Secrets;
import dev.mongorow.stack.StackConfig;
import dev.mongorow.stack.StackLayout;

/**
 * The whole pipeline on a stack of its own in secure mode ({@code pipeline up --secure}): Kafka with SASL_SSL
 * and SCRAM only, Connect REST over https with basic auth, MariaDB requiring TLS, the MongoDB emulator over
 * TLS. The connector configs are the SAME files as everywhere (connect-configs/connectors): only the
 * environment values the worker hands to its env provider differ (TLS parameters of the JDBC URL, tls=true in
 * the MongoDB URI), so the TLS and authentication settings shipped for production run for real here.
 *
 * <p>The PII HMAC secret of this stack is a canary, planted before the first start: it must reach the
 * transform (the hashes in MySQL are keyed with it) and appear nowhere else: not in GET /connectors/{name}/config
 * or /tasks or /status, not in any log file of the stack, not on any command line. The same holds for every
 * generated password.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecureModeIT {
    private static final Duration LANDING = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String canary = "MongorowCanary" + randomLetters(24);
    private Pipeline pipeline;
    private Path home;
    private final List<String> emails = new ArrayList<>();

    private static String randomLetters(int n) {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    @BeforeAll
    void startASecureStackWithTheShippedConnectors() throws IOException {
        Assumptions.assumeFalse(Backends.containersWanted(),
                "secure mode is a mode of the local stack; the containers run secures its services in docker/");
        Path repo = Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize();
        home = repo.resolve("pipeline-it/target/secure-stack");
        deleteRecursively(home);
        // the canary: this stack's PII HMAC secret, which the stack keeps once it exists
        Path secrets = new StackLayout(home).secretsDir();
        Files.createDirectories(secrets, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path pii = secrets.resolve(Secrets.PII);
        Files.createFile(pii, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(pii, "hmac.secret=" + canary + "\n");

        Backends local = new Backends() {
            @Override
            protected void configure(StackConfig.Builder config) {
            }
        };
        // two workers: requests to a follower are forwarded to the leader over the workers' own TLS REST client
        pipeline = new Pipeline(repo, home, local, config -> config.secure(true).connectWorkers(2));
        pipeline.deployAll();
    }

    @AfterAll
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    // ---- the pipeline itself ------------------------------------------------------------------------

    @Test
    @Order(1)
    void theDeployedConnectorsAreExactlyTheShippedConfigs() {
        assertTrue(pipeline.stack().secure());
        for (String name : Pipeline.CONNECTORS) {
            Map<String, String> shipped = new LinkedHashMap<>(pipeline.connectorConfig(name));
            JsonNode deployed = pipeline.rest("GET", "/connectors/" + name + "/config", null, 200);
            Map<String, String> got = new LinkedHashMap<>();
            deployed.fields().forEachRemaining(e -> got.put(e.getKey(), e.getValue().asText()));
            assertEquals(shipped, got, name);
        }
    }

    @Test
    @Order(2)
    void usersAndTransactionsReachMysqlAndADeleteRemovesTheRow() throws Exception {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = newUserId();
            String email = " Secure.User" + i + "@Example.com";
            emails.add(email);
            users.add(id);
            pipeline.produce("raw.users", userKey(id), user(id, "sec" + i, "Secure User " + i, -86_400_000L * i, email, true));
        }
        List<String> transactions = new ArrayList<>();
        long executed = Instant.parse("2024-05-01T10:15:30.500Z").toEpochMilli();
        for (int i = 0; i < 3; i++) {
            String id = Documents.newTransactionId();
            transactions.add(id);
            pipeline.produce("raw.transactions", Documents.transactionKey(id),
                    Documents.transaction(id, 1000L + i, 5 + i, "10.5", "52.50", executed));
        }
        for (String id : users) {
            Pipeline.await(LANDING, "user " + id + " in MySQL", () -> pipeline.mysqlRow("users", id) != null);
        }
        for (String id : transactions) {
            Pipeline.await(LANDING, "transaction " + id + " in MySQL", () -> pipeline.mysqlRow("transactions", id) != null);
        }
        assertEquals(0, new BigDecimal("52.50").compareTo((BigDecimal) pipeline.mysqlRow("transactions", transactions.get(0)).get("total")));
        for (int i = 0; i < users.size(); i++) {
            // keyed with the canary: the secret really travels env provider -> transform
            assertEquals(SecurityChecks.hmac(canary, emails.get(i)), pipeline.mysqlRow("users", users.get(i)).get("email_hash"));
        }

        // an update inside MongoDB (over TLS) and a delete through a tombstone on the raw topic
        pipeline.mongo().getCollection("users").updateOne(Filters.eq("_id", new ObjectId(users.get(1))),
                Updates.set("name", "Renamed Over TLS"));
        Pipeline.await(LANDING, "update of " + users.get(1),
                () -> "Renamed Over TLS".equals(pipeline.mysqlRow("users", users.get(1)).get("name")));
        pipeline.produce("raw.users", userKey(users.get(0)), null);
        Pipeline.await(LANDING, "delete of " + users.get(0), () -> pipeline.mysqlRow("users", users.get(0)) == null);
        assertNull(pipeline.mongo().getCollection("users").find(Filters.eq("_id", new ObjectId(users.get(0)))).first());

        SecurityChecks.assertNoEmailAddressIn(pipeline, "users");
        assertTrue(pipeline.deadLetters("dlq.mysql-sink").isEmpty(), "nothing dead-lettered");
    }

    // ---- Kafka --------------------------------------------------------------------------------------

    @Test
    @Order(3)
    void kafkaHasNoPlaintextListenerAndRequiresScramOverTls() throws Exception {
        Properties broker = new Properties();
        try (var r = Files.newBufferedReader(pipeline.stack().kafka().serverProperties())) {
            broker.load(r);
        }
        String port = Integer.toString(pipeline.stack().config().kafkaPort());
        String cport = Integer.toString(pipeline.stack().config().controllerPort());
        assertEquals("SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + cport, broker.getProperty("listeners"));
        assertEquals("CONTROLLER:SSL,SASL_SSL:SASL_SSL", broker.getProperty("listener.security.protocol.map"));
        assertEquals("required", broker.getProperty("listener.name.controller.ssl.client.auth"));
        assertFalse(broker.toString().contains("PLAINTEXT"), "no PLAINTEXT or SASL_PLAINTEXT listener: " + broker.getProperty("listeners"));

        Properties good = pipeline.stack().kafkaClientProperties();
        assertEquals("SASL_SSL", good.getProperty("security.protocol"));
        assertTrue(describeCluster(good) > 0, "the admin user over SASL_SSL works");

        Map<String, Properties> refused = new LinkedHashMap<>();
        refused.put("PLAINTEXT", clientWith(good, Map.of("security.protocol", "PLAINTEXT")));
        refused.put("SASL_PLAINTEXT", clientWith(good, Map.of("security.protocol", "SASL_PLAINTEXT")));
        refused.put("SSL without SASL", clientWith(good, Map.of("security.protocol", "SSL")));
        refused.put("SASL_SSL with a wrong password", clientWith(good, Map.of("sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"wrong\";")));
        refused.put("SASL_SSL with an unknown user", clientWith(good, Map.of("sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mallory\" password=\"x\";")));
        Properties untrusting = clientWith(good, Map.of());
        untrusting.remove("ssl.truststore.type");
        untrusting.remove("ssl.truststore.location");
        refused.put("SASL_SSL not trusting the development CA", untrusting);
        for (Map.Entry<String, Properties> e : refused.entrySet()) {
            assertThrows(Exception.class, () -> describeCluster(e.getValue()), e.getKey() + " must not reach the cluster");
        }
        // the controller listener wants a client certificate
        Properties controller = clientWith(good, Map.of("security.protocol", "SSL"));
        controller.remove("bootstrap.servers");
        controller.put("bootstrap.controllers", "127.0.0.1:" + cport);
        assertThrows(Exception.class, () -> describeCluster(controller), "the controller listener without a client certificate");
    }

    private static Properties clientWith(Properties base, Map<String, String> changes) {
        Properties p = new Properties();
        p.putAll(base);
        p.putAll(changes);
        return p;
    }

    private static int describeCluster(Properties client) throws Exception {
        Properties p = new Properties();
        p.putAll(client);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "6000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        try (Admin admin = Admin.create(p)) {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    // ---- Connect REST -------------------------------------------------------------------------------

    @Test
    @Order(4)
    void restAnswers401WithoutCredentialsAndOnlyOverTls() throws Exception {
        String url = pipeline.stack().connectUrl();
        assertTrue(url.startsWith("https://127.0.0.1:"), url);
        HttpClient tls = pipeline.stack().connectHttpClient();
        Path secrets = pipeline.stack().secretsDir();

        assertEquals(401, get(tls, url + "/connectors", null).statusCode());
        assertEquals(401, get(tls, url + "/", null).statusCode());
        assertEquals(401, get(tls, url + "/connectors", basic("admin", "not-the-password")).statusCode());
        assertEquals(401, get(tls, url + "/connectors", basic("mallory", SecureMaterial.restPassword(secrets, "admin"))).statusCode());
        HttpResponse<String> ok = get(tls, url + "/connectors", SecureMaterial.basicAuthorization(secrets, "admin"));
        assertEquals(200, ok.statusCode());
        Set<String> listed = new LinkedHashSet<>();
        JSON.readTree(ok.body()).forEach(n -> listed.add(n.asText()));
        assertEquals(Set.copyOf(Pipeline.CONNECTORS), listed);
        assertEquals(200, get(tls, url + "/connectors", SecureMaterial.basicAuthorization(secrets, "airflow")).statusCode());
        // no admin endpoints: a separate admin listener would escape the REST extension's authentication
        assertEquals(404, get(tls, url + "/admin/loggers", SecureMaterial.basicAuthorization(secrets, "admin")).statusCode());

        // plain http on the same port gets no answer of the API
        String plain = url.replace("https://", "http://");
        try {
            assertNotEquals(200, get(HttpClient.newHttpClient(), plain + "/connectors", SecureMaterial.basicAuthorization(secrets, "admin")).statusCode());
        } catch (IOException expected) {
            // the TLS listener closes the connection
        }
        // a client that does not trust the development CA does not talk to the worker at all
        assertThrows(IOException.class, () -> get(HttpClient.newHttpClient(), url + "/connectors", SecureMaterial.basicAuthorization(secrets, "admin")));
    }

    @Test
    @Order(5)
    void eachWorkerTakesAuthenticatedChangesAndForwardsThemOverTls() throws Exception {
        assertEquals(2, pipeline.stack().connectWorkers().size());
        HttpClient tls = pipeline.stack().connectHttpClient();
        String auth = pipeline.stack().connectAuthorization();
        for (dev.mongorow.stack.ConnectWorker w : pipeline.stack().connectWorkers()) {
            String name = "security-probe-forward-" + w.worker();
            HttpResponse<String> put = send(tls, "PUT", w.restUrl() + "/connectors/" + name + "/config",
                    JSON.writeValueAsString(SecurityChecks.probeConfig(name)), auth);
            assertTrue(put.statusCode() == 201 || put.statusCode() == 200, w.name() + ": " + put.statusCode() + " " + put.body());
            for (dev.mongorow.stack.ConnectWorker other : pipeline.stack().connectWorkers()) {
                Pipeline.await(Duration.ofSeconds(60), name + " visible through " + other.name(), () -> {
                    try {
                        return get(tls, other.restUrl() + "/connectors/" + name + "/status", auth).statusCode() == 200;
                    } catch (IOException | InterruptedException e) {
                        return false;
                    }
                });
            }
            assertEquals(401, send(tls, "DELETE", w.restUrl() + "/connectors/" + name, null, null).statusCode());
            assertEquals(204, send(tls, "DELETE", w.restUrl() + "/connectors/" + name, null, auth).statusCode());
        }
    }

    private static HttpResponse<String> send(HttpClient client, String method, String url, String body, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(HttpClient client, String url, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- MariaDB ------------------------------------------------------------------------------------

    @Test
    @Order(6)
    void mariadbRefusesConnectionsWithoutTlsAndTheSinkUserCannotDropTables() throws Exception {
        Secrets.Credentials app = pipeline.stack().mysqlApp();
        Secrets.Credentials admin = pipeline.stack().mysqlAdmin();
        assertTrue(app.params().contains("sslMode=verify-full") && app.params().contains("serverSslCert="), app.params());
        for (Secrets.Credentials c : List.of(app, admin)) {
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    c.url() + "?sslMode=disable&connectTimeout=5000", c.user(), c.password()).close(), c.user() + " without TLS");
            assertTrue(e.getMessage().contains("insecure transport") || e.getMessage().contains("Access denied"), e.getMessage());
        }
        try (Connection c = MariaDb.connect(app); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'")) {
                assertTrue(rs.next());
                assertTrue(rs.getString(2).startsWith("TLSv1."), "the sink user's session is encrypted: " + rs.getString(2));
            }
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM users")) {
                assertTrue(rs.next());
            }
            // least privilege, as in local-stack's LocalStackTest, here over TLS
            for (String forbidden : List.of("DROP TABLE users", "TRUNCATE TABLE transactions", "CREATE TABLE t (id INT)",
                    "ALTER TABLE users ADD COLUMN x INT")) {
                SQLException denied = assertThrows(SQLException.class, () -> st.execute(forbidden), forbidden);
                assertTrue(denied.getMessage().toLowerCase().contains("denied"), denied.getMessage());
            }
        }
        try (Connection c = MariaDb.connect(admin); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT @@require_secure_transport")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1), "require_secure_transport");
            }
            for (String user : List.of(app.user(), admin.user())) {
                try (ResultSet rs = st.executeQuery("SHOW CREATE USER '" + user + "'@'127.0.0.1'")) {
                    assertTrue(rs.next());
                    assertTrue(rs.getString(1).contains("REQUIRE SSL"), rs.getString(1).replaceAll("PASSWORD '[^']*'", "PASSWORD '***'"));
                }
            }
        }
    }

    // ---- MongoDB ------------------------------------------------------------------------------------

    @Test
    @Order(7)
    void theMongoDbEmulatorSpeaksTlsOnly() {
        String uri = pipeline.stack().mongoUri();
        assertTrue(uri.contains("tls=true"), uri);
        try (MongoClient tls = MongoClients.create(pipeline.stack().mongoClientSettings())) {
            assertEquals(1.0, tls.getDatabase("admin").runCommand(new Document("ping", 1)).get("ok", Number.class).doubleValue());
        }
        for (String refused : List.of(uri.replace("&tls=true", ""), uri)) { // plain TCP; TLS without trusting the CA
            MongoClientSettings settings = MongoClientSettings.builder().applyConnectionString(new ConnectionString(refused))
                    .applyToClusterSettings(b -> b.serverSelectionTimeout(3, TimeUnit.SECONDS)).build();
            try (MongoClient client = MongoClients.create(settings)) {
                assertThrows(MongoTimeoutException.class, () -> client.getDatabase("admin").runCommand(new Document("ping", 1)), refused);
            }
        }
    }

    // ---- hardening, the same as on the plain stack ----------------------------------------------------

    @Test
    @Order(8)
    void workerHardeningHoldsInSecureModeToo() {
        SecurityChecks.jaasLoginModuleOverridesAreRejected(pipeline);
        SecurityChecks.workerJvmDisallowsJndiAndLdapLoginModules(pipeline);
        SecurityChecks.configProvidersStayInsideTheirBounds(pipeline);
    }

    // ---- the canary, last: every log line of the run so far is checked ----------------------------------

    @Test
    @Order(9)
    void noSecretAppearsInTheRestApiLogsOrCommandLines() throws Exception {
        Set<String> secrets = secretValues();
        assertTrue(secrets.contains(canary));
        assertTrue(secrets.size() >= 10, "the canary and the generated passwords: " + secrets.size());

        List<String> answers = new ArrayList<>();
        answers.add(pipeline.rest("GET", "/connectors?expand=info&expand=status", null, 200).toString());
        for (String name : Pipeline.CONNECTORS) {
            for (String path : List.of("", "/config", "/tasks", "/status", "/topics")) {
                answers.add(pipeline.rest("GET", "/connectors/" + name + path, null, 200).toString());
            }
        }
        String all = String.join("\n", answers);
        assertTrue(all.contains("${env:MONGOROW_PII_HMAC_SECRET}"), "the API shows the placeholder");
        assertTrue(all.contains("${env:MONGOROW_MYSQL_SINK_PASSWORD}"), "the API shows the placeholder");
        SecurityChecks.assertAbsent(secrets, all, "the Connect REST API");

        SecurityChecks.assertAbsentFromLogs(pipeline, secrets);
        try (Stream<Path> files = Files.list(pipeline.stack().layout().confDir())) {
            for (Path conf : files.filter(Files::isRegularFile).toList()) {
                SecurityChecks.assertAbsent(secrets, Files.readString(conf, StandardCharsets.ISO_8859_1), conf.toString());
            }
        }
        for (ProcessHandle h : pipeline.stack().liveProcesses()) {
            List<String> cmd = h.info().arguments().map(List::of).orElse(List.of());
            SecurityChecks.assertAbsent(secrets, String.join(" ", cmd), "the command line of process " + h.pid());
        }
        for (var c : pipeline.stack().components()) {
            SecurityChecks.assertAbsent(secrets, String.join(" ", c.commandLine()), "the command line of " + c.name());
        }
    }

    /** The canary and every generated password (values of the secrets files that look like one). */
    private Set<String> secretValues() {
        Set<String> out = new LinkedHashSet<>();
        out.add(canary);
        Path dir = pipeline.stack().secretsDir();
        for (String file : List.of(Secrets.PII, Secrets.MYSQL_APP, Secrets.MYSQL_ADMIN, SecureMaterial.TLS,
                SecureMaterial.KAFKA_USERS, SecureMaterial.CONNECT_REST_USERS)) {
            Properties p = Secrets.read(dir.resolve(file));
            for (String key : p.stringPropertyNames()) {
                String v = p.getProperty(key);
                if (v.matches("[A-Za-z0-9]{16,}")) {
                    out.add(v);
                }
            }
        }
        return out;
    }

}

package dev.mongorow.stack;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Kafka Connect worker in distributed mode ({@code ConnectDistributed}); all workers of a stack share
 * one group and one set of internal topics. REST on {@code http://127.0.0.1:<connectPort + n - 1>}.
 *
 * <p>Hardening of the worker:
 * <ul>
 *   <li>{@code plugin.discovery=service_load}: plugins are found through their ServiceLoader manifests
 *       only (fast start, no reflective scan of every jar);</li>
 *   <li>config providers {@code env} (only variables matching {@code ^MONGOROW_.*}), {@code file} and
 *       {@code dir} (only the few files of {@code data/secrets/} connectors need, see
 *       {@link #connectReadableFiles()}; no directory);</li>
 *   <li>{@code connector.client.config.override.policy=Allowlist}: connectors may override a few
 *       client tuning keys (see {@link #CLIENT_OVERRIDE_ALLOWLIST}) and nothing else, in particular no
 *       security or SASL setting;</li>
 *   <li>the JNDI and LDAP JAAS login modules are disallowed
 *       ({@code -Dorg.apache.kafka.disallowed.login.modules});</li>
 *   <li>config providers that Kafka clients may instantiate on their own from client settings are limited
 *       to the three above ({@code -Dorg.apache.kafka.automatic.config.providers}, CVE-2024-31141).</li>
 * </ul>
 *
 * <p>Secure mode ({@link StackConfig#secure()}) adds: the worker's own clients and every connector's
 * producer, consumer and admin client (the dead-letter producer included) use {@code SASL_SSL} with
 * SCRAM-SHA-512 as user {@code connect}; REST only on {@code https://127.0.0.1:<port>} with the generated
 * server certificate, HTTP basic auth through {@code BasicAuthSecurityRestExtension} (JAAS
 * {@code PropertyFileLoginModule} over the generated users file), and no admin endpoints
 * ({@code admin.listeners} empty: a separate admin listener would not be covered by the REST extension);
 * the JVM's default trust store is the development CA (the MongoDB driver of mongo-kafka-connect takes its
 * TLS trust from the JVM); the sink's JDBC URL gets {@code sslMode=verify-full} through
 * {@code MONGOROW_MYSQL_JDBC_PARAMS}. Every secret in the worker properties is a {@code ${file:...}}
 * reference into the secrets folder.
 *
 * <p>Connection values reach connectors through the env provider (identical connector configs here and
 * in docker, where the same variables are set on the container): {@code MONGOROW_KAFKA_BOOTSTRAP_SERVERS},
 * {@code MONGOROW_MONGO_SINK_URI}, {@code MONGOROW_MONGO_SOURCE_URI}, {@code MONGOROW_MYSQL_JDBC_URL},
 * {@code MONGOROW_MYSQL_JDBC_PARAMS}, {@code MONGOROW_MYSQL_SINK_USER}, {@code MONGOROW_MYSQL_SINK_PASSWORD} (the least-privilege sink user),
 * {@code MONGOROW_PII_HMAC_SECRET}, {@code MONGOROW_SOURCE_START_AT_OPERATION_TIME}, {@code MONGOROW_SECRETS_DIR}.
 */
public final class ConnectWorker extends Component {

    public static final String GROUP_ID = "mongorow-connect";
    public static final String CONFIG_TOPIC = "mongorow-connect-configs";
    public static final String OFFSET_TOPIC = "mongorow-connect-offsets";
    public static final String STATUS_TOPIC = "mongorow-connect-status";

    /** Client settings a connector may override (consumer.override.X, producer.override.X, admin.override.X). */
    public static final List<String> CLIENT_OVERRIDE_ALLOWLIST = List.of(
            "max.poll.records", "max.poll.interval.ms", "fetch.min.bytes", "fetch.max.bytes",
            "fetch.max.wait.ms", "max.partition.fetch.bytes", "auto.offset.reset",
            "linger.ms", "batch.size", "compression.type", "max.request.size", "buffer.memory");

    static final String DISALLOWED_LOGIN_MODULES =
            "com.sun.security.auth.module.JndiLoginModule,com.sun.security.auth.module.LdapLoginModule";

    /** The only config providers a Kafka client may instantiate from its own settings (the worker's three). */
    static final String AUTOMATIC_CONFIG_PROVIDERS = "org.apache.kafka.common.config.provider.EnvVarConfigProvider,"
            + "org.apache.kafka.common.config.provider.FileConfigProvider,"
            + "org.apache.kafka.common.config.provider.DirectoryConfigProvider";

    public static final String BASIC_AUTH_EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
    /** Our REST extension (plugin folder mongorow-transforms): refuses configs that reach outside the providers' bounds. */
    public static final String REFERENCE_GUARD_EXTENSION = "dev.mongorow.connect.rest.ConfigReferenceGuard";
    static final String TRANSFORMS_PLUGIN_FOLDER = "mongorow-transforms";

    private final int worker;

    ConnectWorker(int worker, StackConfig config, StackLayout layout, Progress progress) {
        super("connect-" + worker, config, layout, progress);
        this.worker = worker;
    }

    public int worker() {
        return worker;
    }

    @Override
    public int port() {
        return config.connectPort(worker);
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public String endpoint() {
        return restUrl();
    }

    public String restUrl() {
        return (config.secure() ? "https" : "http") + "://127.0.0.1:" + port();
    }

    private volatile ConnectRest rest;

    /** REST access for the stack itself: https and basic auth as user admin in secure mode. */
    ConnectRest rest() {
        ConnectRest r = rest;
        if (r == null) {
            r = config.secure()
                    ? ConnectRest.secure(SecureMaterial.sslContext(layout.secretsDir()),
                            SecureMaterial.basicAuthorization(layout.secretsDir(), "admin"))
                    : ConnectRest.PLAIN_HTTP;
            rest = r;
        }
        return r;
    }

    public Path pluginPath() {
        return config.pluginPath() != null ? config.pluginPath() : layout.defaultPluginPath();
    }

    public Path workerProperties() {
        return layout.confDir().resolve(name + ".properties");
    }

    @Override
    protected String startingDetail() {
        return "plugin.path " + StackLayout.display(pluginPath());
    }

    Map<String, String> workerConfig() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", config.kafkaBootstrapServers());
        p.put("group.id", GROUP_ID);
        p.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        // raw events carry no schema envelope; each connector config sets its converters explicitly
        p.put("key.converter.schemas.enable", "false");
        p.put("value.converter.schemas.enable", "false");
        p.put("config.storage.topic", CONFIG_TOPIC);
        p.put("offset.storage.topic", OFFSET_TOPIC);
        p.put("status.storage.topic", STATUS_TOPIC);
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.flush.interval.ms", "1000");
        // a worker that dies: its tasks move to the others after 10 s instead of the default 5 min
        p.put("scheduled.rebalance.max.delay.ms", "10000");
        if (config.secure()) {
            p.putAll(secureSettings());
        } else {
            p.put("listeners", "http://127.0.0.1:" + port());
            p.put("rest.advertised.listener", "http");
        }
        p.put("rest.advertised.host.name", "127.0.0.1");
        p.put("rest.advertised.port", Integer.toString(port()));
        p.put("plugin.path", pluginPath().toString());
        p.put("plugin.discovery", "service_load");
        String secrets = layout.secretsDir().toString();
        p.put("config.providers", "env,file,dir");
        p.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        p.put("config.providers.env.param.allowlist.pattern", "^MONGOROW_.*");
        p.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        String readable = String.join(",", connectReadableFiles().stream().map(Path::toString).toList());
        p.put("config.providers.file.param.allowed.paths", readable);
        p.put("config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
        // the same files: no directory is readable, so ${dir:<secrets>:<file>} cannot read a whole file
        p.put("config.providers.dir.param.allowed.paths", readable);
        p.put("connector.client.config.override.policy", "Allowlist");
        p.put("connector.client.config.override.allowlist", String.join(",", CLIENT_OVERRIDE_ALLOWLIST));
        List<String> extensions = new ArrayList<>();
        if (config.secure()) {
            extensions.add(BASIC_AUTH_EXTENSION);
        }
        if (Files.isDirectory(pluginPath().resolve(TRANSFORMS_PLUGIN_FOLDER))) {
            extensions.add(REFERENCE_GUARD_EXTENSION); // it ships with our plugin: a bare plugin.path has no such class
        }
        if (!extensions.isEmpty()) {
            p.put("rest.extension.classes", String.join(",", extensions));
        }
        p.putAll(config.extraConnectProperties());
        return p;
    }

    /**
     * The only files the worker's {@code file} and {@code dir} providers may read: what the connectors need
     * (sink user, MongoDB URI, PII key) and, in secure mode, the worker's own SCRAM login and store password.
     * Not the folder: anyone who may call the REST API can read a provider value back (the validation endpoint
     * answers with resolved values), so the stack's other secrets (MySQL admin, the broker's and other Kafka
     * users, the REST users, the CA and server keys) must stay out of reach.
     */
    List<Path> connectReadableFiles() {
        Path secrets = layout.secretsDir();
        List<Path> files = new ArrayList<>(List.of(secrets.resolve(Secrets.MYSQL_APP), secrets.resolve(Secrets.MONGODB),
                secrets.resolve(Secrets.PII)));
        if (config.secure()) {
            files.add(secrets.resolve(SecureMaterial.CONNECT_WORKER));
        }
        return files;
    }

    /** Kafka client security (worker, producers, consumers, admins) and the https REST listener with basic auth. */
    Map<String, String> secureSettings() {
        Path secrets = layout.secretsDir();
        String storePassword = "${file:" + secrets.resolve(SecureMaterial.CONNECT_WORKER) + ":store.password}";
        Map<String, String> p = new LinkedHashMap<>();
        if (!config.kafkaExternal()) {
            Map<String, String> kafka = SecureMaterial.kafkaSecurity(secrets,
                    "${file:" + secrets.resolve(SecureMaterial.CONNECT_WORKER) + ":sasl.jaas.config}");
            for (String prefix : List.of("", "producer.", "consumer.", "admin.")) {
                kafka.forEach((k, v) -> p.put(prefix + k, v));
            }
        }
        p.put("listeners", "https://127.0.0.1:" + port());
        p.put("rest.advertised.listener", "https");
        p.put("listeners.https.ssl.keystore.type", "PKCS12");
        p.put("listeners.https.ssl.keystore.location", secrets.resolve(SecureMaterial.SERVER_STORE).toString());
        p.put("listeners.https.ssl.keystore.password", storePassword);
        p.put("listeners.https.ssl.key.password", storePassword);
        // used by the worker's REST client when it forwards a request to the leader
        p.put("listeners.https.ssl.truststore.type", "JKS");
        p.put("listeners.https.ssl.truststore.location", secrets.resolve(SecureMaterial.TRUST_STORE).toString());
        p.put("listeners.https.ssl.truststore.password", storePassword);
        p.put("listeners.https.ssl.client.auth", "none");
        p.put("listeners.https.ssl.enabled.protocols", "TLSv1.3,TLSv1.2");
        p.put("listeners.https.ssl.endpoint.identification.algorithm", "https");
        // no admin endpoints (/admin/loggers): on the main listener any REST user could change log levels,
        // and a separate admin listener would not be covered by the REST extension's authentication
        p.put("admin.listeners", "");
        return p;
    }

    @Override
    protected void prepare() throws Exception {
        Files.createDirectories(layout.connectDataDir().resolve(name));
        Path plugins = pluginPath();
        if (config.pluginPath() == null) {
            Files.createDirectories(plugins);
        } else if (!Files.isDirectory(plugins)) {
            throw failure("plugin.path " + plugins + " does not exist (build the plugin bundle: "
                    + "mvn -B -DskipTests install -pl connect-plugins -am)", false);
        }
        KafkaBroker.writeProperties(workerProperties(), workerConfig(), "Connect worker " + worker + " of the local stack (generated on each start)");
    }

    /**
     * The connection values the connector configs in connect-configs/ read through {@code ${env:...}}
     * (the docker deployment sets the same variables on its workers). Secrets reach the worker only this
     * way: the REST API shows the placeholders, never the values.
     */
    @Override
    protected Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MONGOROW_KAFKA_BOOTSTRAP_SERVERS", config.kafkaBootstrapServers());
        env.put("MONGOROW_SECRETS_DIR", layout.secretsDir().toString());
        String mongo = Secrets.mongoUri(layout.secretsDir());
        if (mongo != null) {
            // the emulator has no users; a real MongoDB gets separate least-privilege source and sink users
            env.put("MONGOROW_MONGO_SINK_URI", mongo);
            env.put("MONGOROW_MONGO_SOURCE_URI", mongo);
        }
        env.put("MONGOROW_SOURCE_START_AT_OPERATION_TIME", config.sourceStartAt());
        if (Files.exists(layout.secretsDir().resolve(Secrets.MYSQL_APP))) {
            Secrets.Credentials app = Secrets.mysqlApp(layout.secretsDir());
            env.put("MONGOROW_MYSQL_JDBC_URL", app.url());
            // extra JDBC URL parameters, each starting with '&': TLS with verification in secure mode
            env.put("MONGOROW_MYSQL_JDBC_PARAMS", app.params() == null || app.params().isBlank() ? "" : "&" + app.params());
            if (app.user() != null) {
                env.put("MONGOROW_MYSQL_SINK_USER", app.user());
            }
            if (app.password() != null) {
                env.put("MONGOROW_MYSQL_SINK_PASSWORD", app.password());
            }
        }
        String pii = Secrets.piiSecret(layout.secretsDir());
        if (pii != null) {
            env.put("MONGOROW_PII_HMAC_SECRET", pii);
        }
        return env;
    }

    @Override
    protected List<String> command() {
        List<String> flags = new ArrayList<>(serverJvmFlags(config.connectHeap()));
        flags.add("-Dorg.apache.kafka.disallowed.login.modules=" + DISALLOWED_LOGIN_MODULES);
        flags.add("-Dorg.apache.kafka.automatic.config.providers=" + AUTOMATIC_CONFIG_PROVIDERS);
        if (config.secure()) {
            // the KafkaConnect login context of the REST basic-auth extension (a path, no secret)
            flags.add("-Djava.security.auth.login.config=" + layout.secretsDir().resolve(SecureMaterial.CONNECT_REST_JAAS));
            if (!config.mongoExternal()) {
                // the emulator's certificate comes from the development CA; mongo-kafka-connect's driver trusts
                // what the JVM trusts (a real MongoDB given by URI keeps the JDK's default trust)
                flags.add("-Djavax.net.ssl.trustStore=" + layout.secretsDir().resolve(SecureMaterial.TRUST_STORE));
                flags.add("-Djavax.net.ssl.trustStoreType=JKS");
            }
        }
        flags.add("-Dkafka.logs.dir=" + layout.logsDir());
        return java(flags, Classpaths.kafka(), "org.apache.kafka.connect.cli.ConnectDistributed",
                List.of(workerProperties().toString()));
    }

    /**
     * Ready when the REST server answers, the herder has joined the group and read the config topic
     * ({@code GET /connectors} answers), and the plugins are loaded ({@code GET /connector-plugins}).
     */
    @Override
    protected void probe() throws Exception {
        Duration t = Duration.ofSeconds(5);
        rest().get(restUrl(), "/", t);
        rest().get(restUrl(), "/connectors", t);
        JsonNode plugins = rest().get(restUrl(), "/connector-plugins", t);
        if (plugins.isEmpty() && pluginFolders() > 0 && !warnedNoPlugins) {
            warnedNoPlugins = true;
            progress.line(name, "warning: plugin.path holds " + pluginFolders() + " folder(s) but no connector plugin was"
                    + " found (plugin.discovery=service_load needs META-INF/services manifests in the plugin jars)");
        }
    }

    private volatile boolean warnedNoPlugins;

    /** Connector classes the worker offers (GET /connector-plugins). */
    public List<String> connectorPlugins() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (JsonNode n : rest().get(restUrl(), "/connector-plugins", Duration.ofSeconds(5))) {
            out.add(n.path("class").asText());
        }
        return out;
    }

    private long pluginFolders() {
        Path dir = pluginPath();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path ignored : ds) {
                n++;
            }
        } catch (IOException e) {
            return 0;
        }
        return n;
    }
}

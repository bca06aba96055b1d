package dev.mongorow.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Properties;

/**
 * Generated credentials and connection files under {@code data/secrets/} (folder 700, files 600).
 * Passwords are generated on first start, reused afterwards, and never written anywhere else: not to a
 * log, not to a command line (processes read them from these files).
 *
 * <p>Files, all Java properties:
 * <ul>
 *   <li>{@code mysql.properties}: {@code url}, {@code user}, {@code password} of the least-privilege
 *       application user (SELECT, INSERT, UPDATE, DELETE on the {@code pipeline} database) for the sink, and
 *       in secure mode {@code params}, the JDBC URL parameters of TLS with verification;</li>
 *   <li>{@code mysql-admin.properties}: the same keys for the admin user (DDL, status);</li>
 *   <li>{@code mongodb.properties}: {@code uri};</li>
 *   <li>{@code pii.properties}: {@code hmac.secret}, the key of the PII HMAC transform.</li>
 * </ul>
 * Connect workers may read {@code mysql.properties}, {@code mongodb.properties} and {@code pii.properties} with
 * {@code ${file:<secrets>/mysql.properties:password}}; their file and dir config providers may read these files
 * and no other (see {@code ConnectWorker.connectReadableFiles()}).
 */
public final class Secrets {
    private Secrets() { }

    public static final String MYSQL_APP = "mysql.properties";
    public static final String MYSQL_ADMIN = "mysql-admin.properties";
    public static final String MONGODB = "mongodb.properties";
    public static final String PII = "pii.properties";

    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** 24 characters from a 57-letter alphabet (~140 bits); letters and digits only, so safe in SQL and URLs. */
    static String generatePassword() {
        char[] c = new char[24];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }

    public static Properties read(Path file) {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new StackException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return p;
    }

    /** Writes atomically, readable by the owner only from the first byte on. */
    static void write(Path file, Properties p, String comment) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
            Files.createFile(tmp);
        }
        StringWriter w = new StringWriter();
        p.store(w, comment);
        Files.writeString(tmp, w.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Connection values for one database user. {@code params} are JDBC URL parameters the connection needs
     * besides the URL (TLS settings in secure mode: {@code sslMode=verify-full&serverSslCert=<ca>}), or null.
     */
    public record Credentials(String url, String user, String password, String params) {
        public Credentials(String url, String user, String password) {
            this(url, user, password, null);
        }

        /** The URL with {@link #params()} appended. */
        public String jdbcUrl() {
            if (params == null || params.isBlank()) {
                return url;
            }
            return url + (url.contains("?") ? "&" : "?") + params;
        }

        @Override
        public String toString() {
            return "Credentials[url=" + url + ", user=" + user + ", password=***" + (params == null ? "" : ", params=" + params) + "]";
        }
    }

    /**
     * Ensures the embedded MariaDB's two users have passwords (generated once) and the connection files
     * name the current port.
     */
    static void ensureEmbeddedMysql(Path secretsDir, String jdbcUrl) throws IOException {
        ensureEmbeddedMysql(secretsDir, jdbcUrl, null);
    }

    /** As above; {@code params} (or null) are the JDBC URL parameters every client needs (TLS in secure mode). */
    static void ensureEmbeddedMysql(Path secretsDir, String jdbcUrl, String params) throws IOException {
        ensureUser(secretsDir.resolve(MYSQL_ADMIN), jdbcUrl, params, MariaDb.ADMIN_USER, "admin user of the local stack's MariaDB");
        ensureUser(secretsDir.resolve(MYSQL_APP), jdbcUrl, params, MariaDb.APP_USER, "least-privilege sink user of the local stack's MariaDB");
    }

    private static void ensureUser(Path file, String url, String params, String user, String comment) throws IOException {
        Properties p = read(file);
        String password = p.getProperty("password");
        if (password == null || password.isBlank() || !user.equals(p.getProperty("user"))) {
            password = generatePassword();
        }
        if (!url.equals(p.getProperty("url")) || !password.equals(p.getProperty("password")) || !user.equals(p.getProperty("user"))
                || !java.util.Objects.equals(params, p.getProperty("params"))) {
            Properties out = new Properties();
            out.setProperty("url", url);
            out.setProperty("user", user);
            out.setProperty("password", password);
            if (params != null) {
                out.setProperty("params", params);
            }
            write(file, out, comment + " (generated, do not commit)");
        }
    }

    /**
     * An external server: both files carry the user's server and credentials (no separate least-privilege user).
     * The URL is split: {@code url} is the part before '?', {@code params} its other parameters; the credentials
     * given as URL parameters go to {@code user} and {@code password} only. The connector configs append their own
     * parameters to {@code url} (and these {@code params} after them), so a URL holding '?' or a password would give
     * the JDBC sink a broken URL, and put the password into the connector's logged config.
     */
    static void writeExternalMysql(Path secretsDir, String url, String user, String password) throws IOException {
        Properties old = read(secretsDir.resolve(MYSQL_ADMIN));
        String redacted = StackConfig.redact(url);
        int q = redacted.indexOf('?');
        String base = q < 0 ? redacted : redacted.substring(0, q);
        String params = q < 0 || q == redacted.length() - 1 ? null : redacted.substring(q + 1);
        if (user == null && password == null && old.getProperty("url") != null
                && base.equals(StackConfig.redact(old.getProperty("url")))) {
            return; // same server given again without credentials (e.g. from stack.properties): keep them
        }
        Properties out = new Properties();
        out.setProperty("url", base);
        if (params != null) {
            out.setProperty("params", params);
        }
        if (user != null) {
            out.setProperty("user", user);
        }
        if (password != null) {
            out.setProperty("password", password);
        }
        write(secretsDir.resolve(MYSQL_ADMIN), out, "external MySQL/MariaDB given to 'pipeline up'");
        write(secretsDir.resolve(MYSQL_APP), out, "external MySQL/MariaDB given to 'pipeline up'");
    }

    static void writeMongo(Path secretsDir, String uri) throws IOException {
        Properties p = read(secretsDir.resolve(MONGODB));
        String old = p.getProperty("uri");
        if (old != null && StackConfig.redact(old).equals(StackConfig.redact(uri)) && old.length() > uri.length()) {
            return; // the same server given again redacted: keep the credentials
        }
        if (!uri.equals(old)) {
            Properties out = new Properties();
            out.setProperty("uri", uri);
            write(secretsDir.resolve(MONGODB), out, "MongoDB connection string of the local stack");
        }
    }

    public static Credentials mysqlAdmin(Path secretsDir) {
        return credentials(secretsDir.resolve(MYSQL_ADMIN));
    }

    public static Credentials mysqlApp(Path secretsDir) {
        return credentials(secretsDir.resolve(MYSQL_APP));
    }

    private static Credentials credentials(Path file) {
        Properties p = read(file);
        if (p.getProperty("url") == null) {
            throw new StackException("no MySQL connection file " + file + " (has 'pipeline up' run?)");
        }
        return new Credentials(p.getProperty("url"), p.getProperty("user"), p.getProperty("password"), p.getProperty("params"));
    }

    /** The PII HMAC key: generated once (changing it changes every hash already in MySQL), then reused. */
    static void ensurePiiSecret(Path secretsDir) throws IOException {
        Path file = secretsDir.resolve(PII);
        Properties p = read(file);
        String secret = p.getProperty("hmac.secret");
        if (secret == null || secret.length() < 16) {
            Properties out = new Properties();
            out.setProperty("hmac.secret", generatePassword() + generatePassword());
            write(file, out, "key of the PII HMAC transform (ProtectFields hmac.secret) of the local stack");
        }
    }

    public static String piiSecret(Path secretsDir) {
        return read(secretsDir.resolve(PII)).getProperty("hmac.secret");
    }

    public static String mongoUri(Path secretsDir) {
        return read(secretsDir.resolve(MONGODB)).getProperty("uri");
    }
}

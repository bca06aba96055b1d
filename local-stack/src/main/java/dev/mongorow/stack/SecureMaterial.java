package dev.mongorow.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The development certificates and passwords of secure mode ({@code up --secure}), generated into the
 * stack's secrets folder (700; every file 600) on the first secure start and reused afterwards. Nothing of
 * this is ever written anywhere else: not to the repository, not to a log, not to a command line (the
 * broker and the Connect worker read every secret through their {@code file} config provider, the storage
 * format tool through {@link KafkaStorageFormat}). The certificates are made in-process with the JDK's APIs
 * ({@link DevCertificates}): no keytool or openssl process.
 *
 * <p>Files (names are constants of this class):
 * <ul>
 *   <li>{@code ca.crt}: a private development CA (PEM), the one trust anchor of every client of the stack;
 *       {@code ca.p12} holds its key and is used for nothing but signing the server certificate;</li>
 *   <li>{@code server.p12} (PKCS12 key store: broker listeners, Connect REST), {@code server.crt} +
 *       {@code server.key} (PEM: MariaDB), {@code server.pem} (key and chain in one PEM: the MongoDB
 *       emulator, like mongod's {@code tlsCertificateKeyFile}). One certificate, SAN {@code localhost} and
 *       {@code 127.0.0.1} (every component listens on loopback only), EKU server and client auth (the
 *       broker presents it on the mutual-TLS controller listener too);</li>
 *   <li>{@code truststore.jks}: the CA as a JKS trust store (certificates unencrypted, so the JVM reads it
 *       without a password), for Jetty's REST client and as the Connect JVM's default trust store (the
 *       MongoDB driver of mongo-kafka-connect uses the JVM default);</li>
 *   <li>{@code tls.properties}: {@code store.password} of the PKCS12 stores;</li>
 *   <li>{@code kafka-users.properties}: SCRAM-SHA-512 users {@code broker} (inter-broker), {@code connect}
 *       (Connect workers), {@code admin} (the stack's own tools and tests), {@code airflow}: for each
 *       {@code <user>.password} and {@code <user>.jaas} (the {@code sasl.jaas.config} line);</li>
 *   <li>{@code kafka-client.properties}: a ready client configuration as user {@code admin}, for Kafka's
 *       command-line tools ({@code --command-config}) and the stack's own clients;</li>
 *   <li>{@code connect-rest-users.properties}: the Connect REST basic-auth users {@code admin} and
 *       {@code airflow} ({@code PropertyFileLoginModule} format {@code user: password});
 *       {@code connect-rest-jaas.conf} points the {@code KafkaConnect} login context at it;</li>
 *   <li>{@code connect-worker.properties}: what the Connect worker itself resolves through its {@code file}
 *       provider, {@code sasl.jaas.config} of user {@code connect} and {@code store.password}; the worker may
 *       read this file and none of the above (every REST user can read provider values back).</li>
 * </ul>
 */
public final class SecureMaterial {
    private SecureMaterial() { }

    public static final String CA_CERT = "ca.crt";
    static final String CA_STORE = "ca.p12";
    public static final String SERVER_STORE = "server.p12";
    public static final String SERVER_CERT = "server.crt";
    public static final String SERVER_KEY = "server.key";
    public static final String SERVER_PEM = "server.pem";
    public static final String TRUST_STORE = "truststore.jks";
    public static final String TLS = "tls.properties";
    public static final String KAFKA_USERS = "kafka-users.properties";
    public static final String KAFKA_CLIENT = "kafka-client.properties";
    public static final String CONNECT_REST_USERS = "connect-rest-users.properties";
    public static final String CONNECT_REST_JAAS = "connect-rest-jaas.conf";
    /** The Connect worker's own secrets, the only secure-mode file its {@code file} provider may read. */
    public static final String CONNECT_WORKER = "connect-worker.properties";

    /** SCRAM users created when the broker's storage is formatted. */
    public static final List<String> KAFKA_USER_NAMES = List.of("broker", "connect", "admin", "airflow");
    /** Connect REST basic-auth users. */
    public static final List<String> REST_USER_NAMES = List.of("admin", "airflow");
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    static final String SERVER_ALIAS = "server";
    static final int VALIDITY_DAYS = 825;
    /** Certificates are renewed on a start when they expire within this time. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private static final List<String> TLS_FILES = List.of(CA_CERT, CA_STORE, SERVER_STORE, SERVER_CERT, SERVER_KEY, SERVER_PEM, TRUST_STORE);

    // ---- generation ---------------------------------------------------------------------------------

    /** Creates what is missing (passwords once; certificates when missing or about to expire). Idempotent. */
    static synchronized void ensure(Path secretsDir) throws IOException {
        Files.createDirectories(secretsDir);
        Properties tls = Secrets.read(secretsDir.resolve(TLS));
        if (blank(tls.getProperty("store.password"))) {
            tls.setProperty("store.password", Secrets.generatePassword());
            Secrets.write(secretsDir.resolve(TLS), tls, "password of the PKCS12 stores of the local stack's secure mode");
            deleteTls(secretsDir); // stores made with another password are useless
        }
        ensureKafkaUsers(secretsDir);
        ensureRestUsers(secretsDir);
        if (!tlsComplete(secretsDir)) {
            deleteTls(secretsDir);
            generateTls(secretsDir, tls.getProperty("store.password"));
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static void ensureKafkaUsers(Path dir) throws IOException {
        Properties p = Secrets.read(dir.resolve(KAFKA_USERS));
        boolean changed = false;
        for (String user : KAFKA_USER_NAMES) {
            String pw = p.getProperty(user + ".password");
            if (blank(pw)) {
                pw = Secrets.generatePassword();
                p.setProperty(user + ".password", pw);
                changed = true;
            }
            String jaas = scramJaas(user, pw);
            if (!jaas.equals(p.getProperty(user + ".jaas"))) {
                p.setProperty(user + ".jaas", jaas);
                changed = true;
            }
        }
        if (changed) {
            Secrets.write(dir.resolve(KAFKA_USERS), p, "SCRAM-SHA-512 users of the local stack's broker (written into its"
                    + " storage when it is formatted): <user>.password and <user>.jaas (sasl.jaas.config)");
        }
        Properties worker = new Properties();
        worker.setProperty("sasl.jaas.config", p.getProperty("connect.jaas"));
        worker.setProperty("store.password", storePassword(dir));
        if (!worker.equals(Secrets.read(dir.resolve(CONNECT_WORKER)))) {
            Secrets.write(dir.resolve(CONNECT_WORKER), worker, "the Connect worker's own secrets in the local stack's"
                    + " secure mode (its file config provider reads this file, none of the others)");
        }
        Properties client = new Properties();
        client.putAll(kafkaSecurity(dir, p.getProperty("admin.jaas")));
        if (!client.equals(Secrets.read(dir.resolve(KAFKA_CLIENT)))) {
            Secrets.write(dir.resolve(KAFKA_CLIENT), client, "Kafka client settings of the local stack's secure mode, user"
                    + " admin (e.g. kafka-topics.sh --command-config this-file)");
        }
    }

    static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static void ensureRestUsers(Path dir) throws IOException {
        Path users = dir.resolve(CONNECT_REST_USERS);
        Properties p = Secrets.read(users);
        boolean changed = false;
        for (String user : REST_USER_NAMES) {
            if (blank(p.getProperty(user))) {
                p.setProperty(user, Secrets.generatePassword());
                changed = true;
            }
        }
        if (changed || !Files.exists(users)) {
            StringBuilder sb = new StringBuilder("# Kafka Connect REST users of the local stack's secure mode"
                    + " (BasicAuthSecurityRestExtension, PropertyFileLoginModule): user: password\n");
            for (String user : REST_USER_NAMES) {
                sb.append(user).append(": ").append(p.getProperty(user)).append('\n');
            }
            writeText(users, sb.toString());
        }
        String jaas = "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n"
                + "  file=\"" + users.toAbsolutePath() + "\";\n};\n";
        Path jaasFile = dir.resolve(CONNECT_REST_JAAS);
        if (!Files.exists(jaasFile) || !Files.readString(jaasFile).equals(jaas)) {
            writeText(jaasFile, jaas);
        }
    }

    /** Client security settings (SASL_SSL, SCRAM, the CA as PEM trust store) with the given JAAS line. */
    static Map<String, String> kafkaSecurity(Path dir, String jaas) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("security.protocol", "SASL_SSL");
        m.put("sasl.mechanism", SCRAM_MECHANISM);
        m.put("sasl.jaas.config", jaas);
        m.put("ssl.truststore.type", "PEM");
        m.put("ssl.truststore.location", dir.resolve(CA_CERT).toAbsolutePath().toString());
        m.put("ssl.endpoint.identification.algorithm", "https");
        return m;
    }

    private static boolean tlsComplete(Path dir) {
        for (String f : TLS_FILES) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                return false;
            }
        }
        try {
            Instant renewBy = Instant.now().plus(RENEW_BEFORE);
            for (X509Certificate c : readCertificates(dir.resolve(SERVER_CERT))) {
                if (c.getNotAfter().toInstant().isBefore(renewBy)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void deleteTls(Path dir) throws IOException {
        for (String f : TLS_FILES) {
            Files.deleteIfExists(dir.resolve(f));
        }
    }

    /**
     * A CA and one server certificate signed by it ({@link DevCertificates}, in-process with the JDK's APIs),
     * stored with the JDK's KeyStore API. Work happens in a scratch folder inside the (700) secrets folder;
     * every result ends up 600.
     */
    private static void generateTls(Path dir, String storePassword) throws IOException {
        Path work = Files.createTempDirectory(dir, ".tls-");
        try {
            char[] pw = storePassword.toCharArray();
            Instant now = Instant.now();
            Instant from = now.minus(Duration.ofMinutes(5)); // tolerate small clock differences
            KeyPair caKeys = DevCertificates.rsaKeyPair();
            DevCertificates.Name caName = new DevCertificates.Name("mongorow", "development", "mongorow local stack development CA");
            X509Certificate ca = DevCertificates.selfSignedCa(caName, caKeys, from, now.plus(Duration.ofDays(VALIDITY_DAYS + 1)));
            KeyPair serverKeys = DevCertificates.rsaKeyPair();
            X509Certificate server = DevCertificates.issue(new DevCertificates.Name("mongorow", "development", "localhost"),
                    serverKeys.getPublic(), caName, caKeys, false, List.of("localhost"), List.of("127.0.0.1"),
                    from, now.plus(Duration.ofDays(VALIDITY_DAYS)));
            Certificate[] chain = {server, ca};

            KeyStore caStore = KeyStore.getInstance("PKCS12");
            caStore.load(null, null);
            caStore.setKeyEntry("ca", caKeys.getPrivate(), pw, new Certificate[] {ca});
            store(caStore, work.resolve(CA_STORE), pw);
            KeyStore serverStore = KeyStore.getInstance("PKCS12");
            serverStore.load(null, null);
            serverStore.setKeyEntry(SERVER_ALIAS, serverKeys.getPrivate(), pw, chain);
            store(serverStore, work.resolve(SERVER_STORE), pw);
            // JKS: certificates unencrypted, so the JVM reads it as its default trust store without a password
            KeyStore trust = KeyStore.getInstance("JKS");
            trust.load(null, null);
            trust.setCertificateEntry("mongorow-dev-ca", ca);
            store(trust, work.resolve(TRUST_STORE), pw);

            String keyPem = pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()); // PKCS#8
            String chainPem = pem("CERTIFICATE", server.getEncoded()) + pem("CERTIFICATE", ca.getEncoded());
            writeText(work.resolve(CA_CERT), pem("CERTIFICATE", ca.getEncoded()));
            writeText(work.resolve(SERVER_CERT), chainPem);
            writeText(work.resolve(SERVER_KEY), keyPem);
            writeText(work.resolve(SERVER_PEM), keyPem + chainPem);
            for (String f : TLS_FILES) {
                Path file = work.resolve(f);
                setOwnerOnly(file);
                Files.move(file, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot create the development certificates: " + e.getMessage(), e);
        } finally {
            deleteTree(work);
        }
    }

    private static void store(KeyStore ks, Path file, char[] password) throws IOException, java.security.GeneralSecurityException {
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static void writeText(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void setOwnerOnly(Path f) throws IOException {
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    deleteTree(p);
                } else {
                    Files.delete(p);
                }
            }
        }
        Files.delete(dir);
    }

    // ---- reading, for the stack's own clients -------------------------------------------------------

    public static String storePassword(Path dir) {
        return required(Secrets.read(dir.resolve(TLS)), "store.password", dir.resolve(TLS));
    }

    /** Kafka client settings (without bootstrap servers) for one of the SCRAM users. */
    public static Properties kafkaClientProperties(Path dir, String user) {
        Properties users = Secrets.read(dir.resolve(KAFKA_USERS));
        Properties p = new Properties();
        p.putAll(kafkaSecurity(dir, required(users, user + ".jaas", dir.resolve(KAFKA_USERS))));
        return p;
    }

    /** Password of a Connect REST user. */
    public static String restPassword(Path dir, String user) {
        return required(Secrets.read(dir.resolve(CONNECT_REST_USERS)), user, dir.resolve(CONNECT_REST_USERS));
    }

    /** {@code Authorization} header value of HTTP basic auth for a Connect REST user. */
    public static String basicAuthorization(Path dir, String user) {
        String token = user + ":" + restPassword(dir, user);
        return "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    }

    /** A TLS context that trusts the development CA only. */
    public static SSLContext sslContext(Path dir) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate c : readCertificates(dir.resolve(CA_CERT))) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new StackException("cannot build a TLS context from " + dir.resolve(CA_CERT) + ": " + e.getMessage(), e);
        }
    }

    static List<X509Certificate> readCertificates(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : certs) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IOException("no certificate in " + pem);
            }
            return out;
        } catch (java.security.cert.CertificateException e) {
            throw new IOException("cannot read certificates from " + pem + ": " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key, Path file) {
        String v = p.getProperty(key);
        if (blank(v)) {
            throw new StackException("no '" + key + "' in " + file + " (has 'pipeline up --secure' run?)");
        }
        return v;
    }
}

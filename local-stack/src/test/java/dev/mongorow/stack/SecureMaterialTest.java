package dev.mongorow.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The development PKI and passwords of secure mode: generated once into a private folder, readable by the
 * owner only, consistent with each other (the server certificate chains to the CA, covers the loopback
 * names, and its PEM forms match the key store), and kept across starts.
 */
class SecureMaterialTest {

    @TempDir
    static Path tmp;
    static Path secrets;

    @BeforeAll
    static void generate() throws Exception {
        secrets = tmp.resolve("secrets");
        new StackLayout(tmp).create();
        Files.createDirectories(secrets);
        SecureMaterial.ensure(secrets);
    }

    @Test
    void everyFileIsPrivateAndNothingIsLeftBehind() throws Exception {
        List<String> expected = List.of(SecureMaterial.CA_CERT, SecureMaterial.CA_STORE, SecureMaterial.SERVER_STORE,
                SecureMaterial.SERVER_CERT, SecureMaterial.SERVER_KEY, SecureMaterial.SERVER_PEM, SecureMaterial.TRUST_STORE,
                SecureMaterial.TLS, SecureMaterial.KAFKA_USERS, SecureMaterial.KAFKA_CLIENT, SecureMaterial.CONNECT_REST_USERS,
                SecureMaterial.CONNECT_REST_JAAS, SecureMaterial.CONNECT_WORKER);
        try (Stream<Path> files = Files.list(secrets)) {
            List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
            assertEquals(expected.stream().sorted().toList(), names, "no scratch files or folders may stay");
        }
        for (String f : expected) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.resolve(f))), f);
        }
    }

    @Test
    void theServerCertificateChainsToTheCaAndCoversTheLoopbackNames() throws Exception {
        List<X509Certificate> ca = SecureMaterial.readCertificates(secrets.resolve(SecureMaterial.CA_CERT));
        List<X509Certificate> chain = SecureMaterial.readCertificates(secrets.resolve(SecureMaterial.SERVER_CERT));
        assertEquals(1, ca.size());
        assertEquals(2, chain.size(), "leaf and CA");
        X509Certificate leaf = chain.get(0);
        leaf.verify(ca.get(0).getPublicKey());
        ca.get(0).verify(ca.get(0).getPublicKey());
        leaf.checkValidity();
        assertEquals(ca.get(0).getSubjectX500Principal(), leaf.getIssuerX500Principal());
        assertEquals("CN=localhost, OU=development, O=mongorow", leaf.getSubjectX500Principal().getName(javax.security.auth.x500.X500Principal.RFC2253).replace(",", ", "));
        assertTrue(ca.get(0).getBasicConstraints() >= 0, "the CA is a CA");
        assertEquals(-1, leaf.getBasicConstraints(), "the server certificate is not");
        assertTrue(leaf.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")), "server and client auth");
        String sans = String.valueOf(leaf.getSubjectAlternativeNames());
        assertTrue(sans.contains("localhost") && sans.contains("127.0.0.1"), sans);

        // the PEM key and the key store hold the same key; the trust store opens without a password
        KeyStore server = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(secrets.resolve(SecureMaterial.SERVER_STORE))) {
            server.load(in, SecureMaterial.storePassword(secrets).toCharArray());
        }
        byte[] key = server.getKey(SecureMaterial.SERVER_ALIAS, SecureMaterial.storePassword(secrets).toCharArray()).getEncoded();
        assertEquals(SecureMaterial.pem("PRIVATE KEY", key), Files.readString(secrets.resolve(SecureMaterial.SERVER_KEY)));
        assertTrue(Files.readString(secrets.resolve(SecureMaterial.SERVER_PEM)).startsWith(SecureMaterial.pem("PRIVATE KEY", key)));
        KeyStore trust = KeyStore.getInstance("JKS");
        try (InputStream in = Files.newInputStream(secrets.resolve(SecureMaterial.TRUST_STORE))) {
            trust.load(in, null);
        }
        assertEquals(ca.get(0), trust.getCertificate(trust.aliases().nextElement()));
        // the JDK's own PKIX validation accepts the chain for a TLS server, as every client of the stack will
        java.security.cert.PKIXParameters params = new java.security.cert.PKIXParameters(
                java.util.Set.of(new java.security.cert.TrustAnchor(ca.get(0), null)));
        params.setRevocationEnabled(false);
        java.security.cert.CertPathValidator.getInstance("PKIX").validate(
                java.security.cert.CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        ((javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0]).checkServerTrusted(
                chain.toArray(new X509Certificate[0]), "RSA");
        SecureMaterial.sslContext(secrets); // builds
    }

    @Test
    void usersAndClientSettingsAreConsistentAndPasswordsDistinct() {
        Properties users = Secrets.read(secrets.resolve(SecureMaterial.KAFKA_USERS));
        for (String user : SecureMaterial.KAFKA_USER_NAMES) {
            String pw = users.getProperty(user + ".password");
            assertTrue(pw.matches("[A-Za-z0-9]{24}"), user);
            assertEquals(SecureMaterial.scramJaas(user, pw), users.getProperty(user + ".jaas"));
        }
        assertEquals(SecureMaterial.KAFKA_USER_NAMES.size(), SecureMaterial.KAFKA_USER_NAMES.stream()
                .map(u -> users.getProperty(u + ".password")).distinct().count());
        Properties client = Secrets.read(secrets.resolve(SecureMaterial.KAFKA_CLIENT));
        assertEquals("SASL_SSL", client.getProperty("security.protocol"));
        assertEquals("SCRAM-SHA-512", client.getProperty("sasl.mechanism"));
        assertEquals(users.getProperty("admin.jaas"), client.getProperty("sasl.jaas.config"));
        assertEquals(Map.copyOf(SecureMaterial.kafkaClientProperties(secrets, "admin")), Map.copyOf(client));
        assertNotEquals(SecureMaterial.restPassword(secrets, "admin"), SecureMaterial.restPassword(secrets, "airflow"));
        // the worker's own file holds its login and the store password, nothing of the other users
        Properties worker = Secrets.read(secrets.resolve(SecureMaterial.CONNECT_WORKER));
        assertEquals(Map.of("sasl.jaas.config", users.getProperty("connect.jaas"), "store.password", SecureMaterial.storePassword(secrets)),
                Map.copyOf(worker));
        assertTrue(SecureMaterial.basicAuthorization(secrets, "admin").startsWith("Basic "));
    }

    @Test
    void aSecondRunKeepsEverythingAndAMissingCertificateRenewsOnlyTheCertificates() throws Exception {
        byte[] ca = Files.readAllBytes(secrets.resolve(SecureMaterial.CA_CERT));
        String users = Files.readString(secrets.resolve(SecureMaterial.KAFKA_USERS));
        String rest = Files.readString(secrets.resolve(SecureMaterial.CONNECT_REST_USERS));
        SecureMaterial.ensure(secrets);
        assertTrue(java.util.Arrays.equals(ca, Files.readAllBytes(secrets.resolve(SecureMaterial.CA_CERT))), "kept");

        Files.delete(secrets.resolve(SecureMaterial.SERVER_PEM));
        SecureMaterial.ensure(secrets);
        assertFalse(java.util.Arrays.equals(ca, Files.readAllBytes(secrets.resolve(SecureMaterial.CA_CERT))), "a new PKI");
        assertTrue(Files.exists(secrets.resolve(SecureMaterial.SERVER_PEM)));
        assertEquals(users, Files.readString(secrets.resolve(SecureMaterial.KAFKA_USERS)), "passwords are kept");
        assertEquals(rest, Files.readString(secrets.resolve(SecureMaterial.CONNECT_REST_USERS)));
        String jaas = Files.readString(secrets.resolve(SecureMaterial.CONNECT_REST_JAAS));
        assertTrue(jaas.contains("PropertyFileLoginModule required") && jaas.contains(secrets.resolve(SecureMaterial.CONNECT_REST_USERS).toString()), jaas);
    }
}

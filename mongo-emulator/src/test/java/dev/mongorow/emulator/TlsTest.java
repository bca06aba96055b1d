package dev.mongorow.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.changestream.FullDocument;

/**
 * TLS: with a certificate and key in one PEM file (as mongod's --tlsCertificateKeyFile) every connection
 * must speak TLS; a driver that verifies the certificate chain and the host name (127.0.0.1 in the SAN) reads
 * and writes and follows change streams as over plain TCP; a plain connection gets nowhere. The certificate
 * is made here with the JDK's keytool (nothing is committed).
 */
class TlsTest {

    @TempDir
    static Path dir;
    static Path pem;
    static SSLContext trustingTheCertificate;

    @BeforeAll
    static void certificate() throws Exception {
        Path store = dir.resolve("server.p12");
        String password = "test-only-" + System.nanoTime();
        Path passwordFile = dir.resolve("pw");
        Files.writeString(passwordFile, password + "\n");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
            "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1",
            "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass:file", passwordFile.toString())
            .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool failed: " + output);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password.toCharArray());
        }
        Key key = ks.getKey("server", password.toCharArray());
        Certificate certificate = ks.getCertificate("server");
        pem = dir.resolve("server.pem");
        Files.writeString(pem, pem("PRIVATE KEY", key.getEncoded()) + pem("CERTIFICATE", certificate.getEncoded()));

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trustingTheCertificate = SSLContext.getInstance("TLS");
        trustingTheCertificate.init(null, tmf.getTrustManagers(), null);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }

    private static MongoClient client(String uri, SSLContext ssl) {
        MongoClientSettings.Builder b = MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri))
            .applyToClusterSettings(c -> c.serverSelectionTimeout(3, TimeUnit.SECONDS));
        if (ssl != null) {
            b.applyToSslSettings(s -> s.enabled(true).context(ssl));
        }
        return MongoClients.create(b.build());
    }

    @Test
    void aVerifyingTlsClientReadsWritesAndFollowsChangeStreams() throws Exception {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).tls(PemTls.serverContext(pem)).build().start();
             MongoClient client = client(emulator.connectionString(), trustingTheCertificate)) {
            assertTrue(emulator.connectionString().endsWith("&tls=true"), emulator.connectionString());
            MongoCollection<Document> users = client.getDatabase("tls").getCollection("users");
            try (var stream = ChangeStreams.open(users.watch().fullDocument(FullDocument.UPDATE_LOOKUP)
                .maxAwaitTime(200, TimeUnit.MILLISECONDS))) {
                users.insertOne(new Document("_id", "u1").append("email", "a@example.com"));
                assertEquals("a@example.com", users.find().first().getString("email"));
                List<BsonDocument> events = ChangeStreams.next(stream, 1);
                assertEquals("insert", events.get(0).getString("operationType").getValue());
                assertEquals("u1", events.get(0).getDocument("documentKey").getString("_id").getValue());
            }
        }
    }

    @Test
    void plainTcpAndUntrustingClientsGetNowhere() {
        try (MongoEmulator emulator = MongoEmulator.builder().port(0).tls(PemTls.serverContext(pem)).build().start()) {
            String plain = emulator.connectionString().replace("&tls=true", "");
            try (MongoClient client = client(plain, null)) {
                assertThrows(MongoTimeoutException.class, () -> client.getDatabase("admin").runCommand(new Document("ping", 1)));
            }
            // the JVM's default trust store does not know this self-signed certificate
            try (MongoClient client = client(emulator.connectionString(), null)) {
                assertThrows(MongoTimeoutException.class, () -> client.getDatabase("admin").runCommand(new Document("ping", 1)));
            }
        }
    }

    @Test
    void aPemWithoutKeyOrCertificateIsRejectedWithTheFileName() throws Exception {
        Path onlyCertificate = dir.resolve("only-certificate.pem");
        String text = Files.readString(pem);
        Files.writeString(onlyCertificate, text.substring(text.indexOf("-----BEGIN CERTIFICATE")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PemTls.serverContext(onlyCertificate));
        assertTrue(e.getMessage().contains(onlyCertificate.toString()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MongoEmulatorMain.parse(
            new String[] {"--tls-certificate-key-file", dir.resolve("missing.pem").toString()}));
    }
}

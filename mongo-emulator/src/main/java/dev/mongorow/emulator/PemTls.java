package dev.mongorow.emulator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Server TLS material from one PEM file, as {@code mongod --tlsCertificateKeyFile} takes it: an unencrypted
 * PKCS#8 private key ({@code BEGIN PRIVATE KEY}, RSA or EC) and the certificate chain, leaf first. Only the
 * JDK is used (no Netty or BouncyCastle key parsing).
 */
public final class PemTls {

    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

    private PemTls() {
    }

    /**
     * A server-side TLS context with the key and chain of {@code pemFile}.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static SSLContext serverContext(Path pemFile) {
        String text;
        try {
            text = Files.readString(pemFile, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS key file " + pemFile + ": " + e.getMessage(), e);
        }
        byte[] key = null;
        List<Certificate> chain = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        try {
            CertificateFactory certificates = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                switch (m.group(1)) {
                    case "PRIVATE KEY" -> key = der;
                    case "CERTIFICATE" -> chain.add(certificates.generateCertificate(new ByteArrayInputStream(der)));
                    default -> throw new IllegalArgumentException(pemFile + ": unsupported PEM block '" + m.group(1)
                        + "' (expected an unencrypted PKCS#8 'PRIVATE KEY' and 'CERTIFICATE' blocks)");
                }
            }
            if (key == null || chain.isEmpty()) {
                throw new IllegalArgumentException(pemFile + " must hold a 'PRIVATE KEY' (PKCS#8) and at least one 'CERTIFICATE'");
            }
            PrivateKey privateKey = privateKey(key, pemFile);
            char[] none = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", privateKey, none, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, none);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use the TLS key file " + pemFile + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(byte[] pkcs8, Path file) {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(file + ": the private key is neither an RSA nor an EC PKCS#8 key");
    }
}

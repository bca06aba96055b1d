package dev.mongorow.stack;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal X.509 v3 certificate issuing with the JDK only (a DER writer and {@link Signature}): an RSA
 * development CA and server certificates signed by it, with the extensions TLS clients check (basic
 * constraints, key usage, extended key usage, subject alternative names, key identifiers). In-process,
 * so secure mode does not spend a JVM start per keytool step on a busy machine; the result is parsed back
 * with the JDK's {@link CertificateFactory}, which validates its structure.
 */
final class DevCertificates {
    private DevCertificates() { }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SHA256_WITH_RSA = "1.2.840.113549.1.1.11";

    static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Distinguished name parts, most significant first, e.g. {@code O=mongorow, OU=development, CN=localhost}. */
    record Name(String organization, String unit, String commonName) { }

    /**
     * Issues a certificate for {@code subjectKey}, signed with {@code issuerKeys} (self-signed when the subject
     * is the issuer). A CA gets {@code cA=true, pathLen 0} and may sign certificates and CRLs; a server
     * certificate gets digitalSignature + keyEncipherment, server and client auth, and the given DNS names and
     * IP addresses as subject alternative names.
     */
    static X509Certificate issue(Name subject, PublicKey subjectKey, Name issuer, KeyPair issuerKeys, boolean ca,
                                 List<String> dnsNames, List<String> ipAddresses, Instant notBefore, Instant notAfter) {
        try {
            List<byte[]> extensions = new ArrayList<>();
            extensions.add(extension("2.5.29.19", true, ca ? seq(bool(true), integer(BigInteger.ZERO)) : seq()));
            extensions.add(extension("2.5.29.15", true, ca ? bitString(new byte[] {0x06}, 1) : bitString(new byte[] {(byte) 0xA0}, 5)));
            extensions.add(extension("2.5.29.14", false, octets(keyId(subjectKey))));
            extensions.add(extension("2.5.29.35", false, seq(tlv(0x80, keyId(issuerKeys.getPublic())))));
            if (!ca) {
                extensions.add(extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))));
                List<byte[]> names = new ArrayList<>();
                for (String dns : dnsNames) {
                    names.add(tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
                }
                for (String ip : ipAddresses) {
                    names.add(tlv(0x87, InetAddress.getByName(ip).getAddress()));
                }
                extensions.add(extension("2.5.29.17", false, seq(names.toArray(new byte[0][]))));
            }
            byte[] algorithm = seq(oid(SHA256_WITH_RSA), new byte[] {0x05, 0x00});
            byte[] tbs = seq(
                    tlv(0xA0, integer(BigInteger.TWO)),
                    integer(new BigInteger(127, RANDOM).add(BigInteger.ONE)),
                    algorithm,
                    name(issuer),
                    seq(time(notBefore), time(notAfter)),
                    name(subject),
                    subjectKey.getEncoded(),
                    tlv(0xA3, seq(extensions.toArray(new byte[0][]))));
            Signature signer = Signature.getInstance("SHA256withRSA");
            signer.initSign(issuerKeys.getPrivate());
            signer.update(tbs);
            byte[] der = seq(tbs, algorithm, bitString(signer.sign(), 0));
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + subject + ": " + e.getMessage(), e);
        }
    }

    static X509Certificate selfSignedCa(Name name, KeyPair keys, Instant notBefore, Instant notAfter) {
        return issue(name, keys.getPublic(), name, keys, true, List.of(), List.of(), notBefore, notAfter);
    }

    /** SHA-1 of the subjectPublicKey bit string (RFC 5280, 4.2.1.2, method 1). */
    private static byte[] keyId(PublicKey key) throws GeneralSecurityException {
        byte[] spki = key.getEncoded();
        // SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING }
        int[] outer = header(spki, 0);
        int[] alg = header(spki, outer[0]);
        int bitStringAt = outer[0] + alg[0] + alg[1];
        int[] bits = header(spki, bitStringAt);
        int from = bitStringAt + bits[0] + 1; // skip the unused-bits byte
        int to = bitStringAt + bits[0] + bits[1];
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(spki, from, to - from);
        return sha1.digest();
    }

    /** {header length, content length} of the DER element at {@code at}. */
    private static int[] header(byte[] der, int at) {
        int len = der[at + 1] & 0xFF;
        if (len < 0x80) {
            return new int[] {2, len};
        }
        int n = len & 0x7F;
        int value = 0;
        for (int i = 0; i < n; i++) {
            value = (value << 8) | (der[at + 2 + i] & 0xFF);
        }
        return new int[] {2 + n, value};
    }

    // ---- DER ----------------------------------------------------------------------------------------

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical ? seq(oid(oid), bool(true), octets(value)) : seq(oid(oid), octets(value));
    }

    private static byte[] name(Name n) {
        List<byte[]> rdns = new ArrayList<>();
        rdns.add(rdn("2.5.4.10", n.organization()));
        rdns.add(rdn("2.5.4.11", n.unit()));
        rdns.add(rdn("2.5.4.3", n.commonName()));
        return seq(rdns.toArray(new byte[0][]));
    }

    private static byte[] rdn(String oid, String value) {
        return tlv(0x31, seq(oid(oid), tlv(0x0C, value.getBytes(StandardCharsets.UTF_8))));
    }

    private static byte[] time(Instant t) {
        DateTimeFormatter f = DateTimeFormatter.ofPattern(t.atZone(ZoneOffset.UTC).getYear() < 2050 ? "yyMMddHHmmss'Z'" : "yyyyMMddHHmmss'Z'")
                .withZone(ZoneOffset.UTC);
        int tag = t.atZone(ZoneOffset.UTC).getYear() < 2050 ? 0x17 : 0x18; // UTCTime, else GeneralizedTime
        return tlv(tag, f.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(arcs[0]) * 40 + Integer.parseInt(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            long v = Long.parseLong(arcs[i]);
            int shift = 63 - Long.numberOfLeadingZeros(v | 1);
            for (int s = (shift / 7) * 7; s > 0; s -= 7) {
                out.write((int) (0x80 | ((v >>> s) & 0x7F)));
            }
            out.write((int) (v & 0x7F));
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] integer(BigInteger v) {
        return tlv(0x02, v.toByteArray());
    }

    private static byte[] bool(boolean v) {
        return new byte[] {0x01, 0x01, (byte) (v ? 0xFF : 0x00)};
    }

    private static byte[] octets(byte[] v) {
        return tlv(0x04, v);
    }

    private static byte[] bitString(byte[] v, int unusedBits) {
        byte[] content = new byte[v.length + 1];
        content[0] = (byte) unusedBits;
        System.arraycopy(v, 0, content, 1, v.length);
        return tlv(0x03, content);
    }

    private static byte[] seq(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return tlv(0x30, out.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(len) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write((len >>> (8 * i)) & 0xFF);
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}

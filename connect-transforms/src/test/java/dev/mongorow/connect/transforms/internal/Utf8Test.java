package dev.mongorow.connect.transforms.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The byte path's UTF-8 check must accept exactly what the JDK's strict decoder accepts (NUL aside). */
class Utf8Test {
    /** The JDK's verdict: well-formed UTF-8 (RFC 3629) and no NUL byte. */
    private static boolean reference(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static void assertSameVerdict(byte[] bytes) {
        assertEquals(reference(bytes), Utf8.isWellFormedWithoutNul(bytes),
                () -> HexFormat.ofDelimiter(" ").formatHex(bytes));
    }

    @Test
    void everyTwoByteSequenceAndTheLongerFormsAtThreeAlignments() {
        // each sequence behind 0, 3 or 6 ASCII bytes and followed by 8, 5 or 2 more, so that it falls at the start
        // of, inside and across the eight-byte words the check reads at once
        for (int pad = 0; pad <= 8; pad += 3) {
            for (int a = 0; a < 256; a++) {
                for (int b = 0; b < 256; b++) {
                    assertSameVerdict(padded(pad, (byte) a, (byte) b));
                    if (a >= 0xE0 && a <= 0xF4) { // the leads of three and four byte forms
                        for (int c = 0x70; c < 0xD0; c += 7) {
                            assertSameVerdict(padded(pad, (byte) a, (byte) b, (byte) c));
                            assertSameVerdict(padded(pad, (byte) a, (byte) b, (byte) c, (byte) 0x80));
                            assertSameVerdict(padded(pad, (byte) a, (byte) b, (byte) c, (byte) 0xBF));
                        }
                    }
                }
            }
        }
    }

    private static byte[] padded(int pad, byte... sequence) {
        byte[] bytes = new byte[pad + sequence.length + (8 - pad)];
        java.util.Arrays.fill(bytes, (byte) 'x');
        System.arraycopy(sequence, 0, bytes, pad, sequence.length);
        return bytes;
    }

    @Test
    void knownForms() {
        assertTrue(Utf8.isWellFormedWithoutNul("{\"name\": \"Ærøskøbing 東京 \uD83D\uDE00\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(Utf8.isWellFormedWithoutNul(new byte[0]));
        assertFalse(Utf8.isWellFormedWithoutNul(bytes("C0 80")), "overlong NUL");
        assertFalse(Utf8.isWellFormedWithoutNul(bytes("E0 80 AF")), "overlong '/'");
        assertFalse(Utf8.isWellFormedWithoutNul(bytes("ED A0 80")), "encoded surrogate");
        assertFalse(Utf8.isWellFormedWithoutNul(bytes("F4 90 80 80")), "above U+10FFFF");
        assertFalse(Utf8.isWellFormedWithoutNul(bytes("7B 22 61 22 3A 20 22 C3")), "truncated at the end");
        assertFalse(Utf8.isWellFormedWithoutNul(bytes("7B 00 22 00 61 00 22 00")), "UTF-16LE (NUL bytes)");
    }

    @Test
    void randomTextsAndTheirCorruptions() {
        Random random = new Random(20261207L);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(64);
            for (int j = 0; j < length; j++) {
                int kind = random.nextInt(10);
                text.appendCodePoint(kind < 6 ? 0x20 + random.nextInt(0x5F)
                        : kind < 8 ? 0x80 + random.nextInt(0x780)
                        : kind < 9 ? 0x800 + random.nextInt(0xD000 - 0x800)
                        : 0x10000 + random.nextInt(0x100000));
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            assertSameVerdict(bytes);
            if (bytes.length > 0) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                assertSameVerdict(bytes);
            }
        }
    }

    @Test
    void jsonBytesTakeTheBytePathOnlyWhenTheCheckPasses() {
        String json = "{\"a\": \"é\", \"n\": {\"$numberInt\": \"7\"}}";
        assertEquals(Map.of("a", "é", "n", 7), FastJson.parseDocument(json.getBytes(StandardCharsets.UTF_8), Limits.DEFAULT));
        byte[] withBom = ("\uFEFF" + json).getBytes(StandardCharsets.UTF_8);
        assertNull(FastJson.parseDocument(withBom, Limits.DEFAULT), "a byte order mark goes to the text path");
        byte[] utf16 = json.getBytes(StandardCharsets.UTF_16LE);
        assertNull(FastJson.parseDocument(utf16, Limits.DEFAULT), "UTF-16 is not read as JSON");
        byte[] overlong = "{\"a\": \"xx\"}".getBytes(StandardCharsets.UTF_8);
        overlong[7] = (byte) 0xC1;
        overlong[8] = (byte) 0xBF;
        assertNull(FastJson.parseDocument(overlong, Limits.DEFAULT), "Jackson would read the overlong form");
        assertNotNull(FastJson.parseDocument("{}".getBytes(StandardCharsets.UTF_8), Limits.DEFAULT));
    }

    private static byte[] bytes(String hex) {
        return HexFormat.ofDelimiter(" ").parseHex(hex);
    }
}

package dev.mongorow.connect.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.ServiceLoader;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Test;

class StrictStringConverterTest {
    private static StrictStringConverter converter(boolean isKey) {
        StrictStringConverter c = new StrictStringConverter();
        c.configure(Map.of(), isKey);
        return c;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void validUtf8IsDecodedLikeKafkasStringConverter() {
        String text = "{\"name\": \"Zoë 東京 \uD83D\uDE00\", \"nul\": \"\u0000\"}";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        SchemaAndValue got = converter(false).toConnectData("raw.users", utf8);
        assertEquals(text, got.value());
        assertEquals(Schema.OPTIONAL_STRING_SCHEMA, got.schema());
        StringConverter kafkas = new StringConverter();
        kafkas.configure(Map.of(), false);
        assertEquals(kafkas.toConnectData("raw.users", utf8).value(), got.value());
        assertEquals("", converter(false).toConnectData("t", new byte[0]).value());
    }

    @Test
    void nullStaysNullSoTombstonesStayTombstones() {
        assertEquals(SchemaAndValue.NULL, converter(false).toConnectData("raw.users", null));
        assertNull(converter(false).fromConnectData("raw.users", null, null));
    }

    @Test
    void malformedBytesAreADataExceptionNamingWhereTheyAre() {
        // "b" C3 28 "y": C3 starts a 2-byte sequence, 28 is not a continuation byte
        byte[] value = bytes('{', '"', 'k', '"', ':', '"', 'b', 0xC3, 0x28, 'y', '"', '}');
        DataException e = assertThrows(DataException.class, () -> converter(false).toConnectData("raw.transactions", value));
        assertEquals("value of a record of topic raw.transactions is not valid UTF-8: malformed input of 1 byte(s) at "
                + "byte 7 of 12 (7B 22 6B 22 3A 22 62 [C3] 28 79 22 7D)", e.getMessage());

        DataException key = assertThrows(DataException.class, () -> converter(true).toConnectData("raw.users", bytes(0xFF)));
        assertTrue(key.getMessage().startsWith("key of a record of topic raw.users is not valid UTF-8"), key.getMessage());
    }

    @Test
    void whatKafkasStringConverterSilentlyReplacesIsRejected() {
        StringConverter kafkas = new StringConverter();
        kafkas.configure(Map.of(), false);
        byte[][] invalid = {
            bytes(0x80),                         // a lone continuation byte
            bytes(0xC0, 0xAF),                   // overlong encoding of '/'
            bytes(0xED, 0xA0, 0x80),             // an encoded surrogate (CESU-8)
            bytes(0xF4, 0x90, 0x80, 0x80),       // above U+10FFFF
            bytes('a', 0xE2, 0x82),              // truncated at the end
            bytes(0xFE),                         // never valid in UTF-8
        };
        for (byte[] b : invalid) {
            assertTrue(((String) kafkas.toConnectData("t", b).value()).contains("\uFFFD"), "Kafka's converter replaces");
            assertThrows(DataException.class, () -> converter(false).toConnectData("t", b));
        }
    }

    @Test
    void writingIsUtf8OfToString() {
        assertArrayEquals("é".getBytes(StandardCharsets.UTF_8), converter(false).fromConnectData("t", null, "é"));
        assertArrayEquals("42".getBytes(StandardCharsets.UTF_8), converter(false).fromConnectData("t", null, 42));
    }

    @Test
    void registeredForServiceLoaderDiscovery() {
        boolean found = false;
        for (Converter c : ServiceLoader.load(Converter.class)) {
            found |= c instanceof StrictStringConverter;
        }
        assertTrue(found, "META-INF/services/org.apache.kafka.connect.storage.Converter lists StrictStringConverter");
        assertTrue(!new StrictStringConverter().version().isBlank());
    }

    @Test
    void hugeValuesDecodeInOnePassAndErrorsStayShort() {
        byte[] big = new byte[10 * 1024 * 1024 + 3];
        java.util.Arrays.fill(big, (byte) 'x');
        assertEquals(big.length, ((String) converter(false).toConnectData("t", big).value()).length());
        big[big.length - 2] = (byte) 0xC3;
        DataException e = assertThrows(DataException.class, () -> converter(false).toConnectData("t", big));
        assertTrue(e.getMessage().length() < 300, e.getMessage());
    }
}

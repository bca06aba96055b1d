package dev.mongorow.connect.converters;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.ConverterConfig;

import dev.mongorow.connect.transforms.internal.Version;

/**
 * Kafka's {@code StringConverter} for UTF-8 text, except that bytes which are not valid UTF-8 are an error
 * instead of being replaced by U+FFFD without a word.
 *
 * <p>Kafka's {@code StringConverter} decodes with {@code new String(bytes, UTF_8)}, which silently replaces every
 * malformed sequence: a record with broken bytes becomes valid-looking text, lands in MongoDB and MySQL with
 * replacement characters, and nobody learns of it. This converter decodes strictly (RFC 3629: no overlong forms,
 * no encoded surrogates, nothing above U+10FFFF) and throws a {@link DataException} naming the topic, whether key
 * or value, the byte offset and the offending bytes. Converter failures are what Connect's error handling
 * covers, so with {@code errors.tolerance=all} and a dead-letter topic the record lands there, its original
 * bytes intact, the reason in the {@code __connect.errors.exception.message} header, and the task goes on.
 *
 * <p>Writing ({@code fromConnectData}) is the same as {@code StringConverter}'s: {@code toString()} as UTF-8.
 * Null stays null (a tombstone). Configuration: none besides the {@code converter.type} Connect passes.
 */
public class StrictStringConverter implements Converter {
    public static final String OVERVIEW_DOC = "Kafka's StringConverter for UTF-8 text, except that bytes which are not "
            + "valid UTF-8 (RFC 3629: no overlong forms, no encoded surrogates, nothing above U+10FFFF) fail with a "
            + "DataException naming the topic, key or value, the byte offset and the bytes around it, instead of being "
            + "replaced by U+FFFD without a word. Converter failures are what Connect's error handling covers: with "
            + "errors.tolerance=all and a dead-letter topic the record lands there with its original bytes and the "
            + "reason. Writing is StringConverter's (toString() as UTF-8); null stays null. Use it as key.converter "
            + "and value.converter of a sink that reads JSON text, such as mongo-kafka-connect's MongoSinkConnector.";
    public static final ConfigDef CONFIG_DEF = ConverterConfig.newConfigDef();
    /** Bytes around a malformed sequence shown in the message. */
    private static final int CONTEXT_BYTES = 8;

    private boolean isKey;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        return value == null ? null : value.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        return new SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, decode(topic, value));
    }

    private String decode(String topic, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never needs more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            throw new DataException((isKey ? "key" : "value") + " of a record of topic " + topic + " is not valid UTF-8: "
                    + (result.isMalformed() ? "malformed" : "unmappable") + " input of " + result.length()
                    + " byte(s) at byte " + at + " of " + bytes.length + " (" + hex(bytes, at, result.length()) + ")");
        }
        out.flip();
        return out.toString();
    }

    /** The offending bytes in brackets, with a few bytes of context either side, in hex. */
    static String hex(byte[] bytes, int at, int length) {
        StringBuilder sb = new StringBuilder();
        int from = Math.max(0, at - CONTEXT_BYTES);
        int to = Math.min(bytes.length, at + length + CONTEXT_BYTES);
        if (from > 0) {
            sb.append("... ");
        }
        for (int i = from; i < to; i++) {
            if (i == at) {
                sb.append('[');
            }
            sb.append(String.format("%02X", bytes[i] & 0xFF));
            if (i == at + length - 1) {
                sb.append(']');
            }
            if (i < to - 1) {
                sb.append(' ');
            }
        }
        if (to < bytes.length) {
            sb.append(" ...");
        }
        return sb.toString();
    }
}

package dev.mongorow.connect.transforms;

import static dev.mongorow.connect.transforms.Records.props;
import static dev.mongorow.connect.transforms.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class ProtectFieldsTest {
    /** Test-only secret; production secrets come from a config provider. */
    private static final String SECRET = "0123456789abcdef-test-secret";
    /** HMAC-SHA256(SECRET, "arroyocolton@gmail.com"), computed independently with Python's hmac module. */
    private static final String EMAIL_HMAC = "24f24bb199e9ddc4243de7c4bdcc26ed5588f1d5e7d73787152f8db5aedc70ba";

    private static ProtectFields<SinkRecord> value(String... pairs) {
        ProtectFields<SinkRecord> transform = new ProtectFields.Value<>();
        transform.configure(props(pairs));
        return transform;
    }

    private static Map<String, Object> customer() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", "5ca4bbcea2dd94ee58162a68");
        doc.put("email", "arroyocolton@gmail.com");
        doc.put("contact", Map.of("phone", "555-123-4567", "emails", List.of(Map.of("email", "arroyocolton@gmail.com"))));
        doc.put("ssn", "123-45-6789");
        doc.put("age", 42);
        return doc;
    }

    @Test
    @SuppressWarnings("unchecked")
    void schemalessHmacMaskAndNullAtNestedPaths() {
        ProtectFields<SinkRecord> transform = value("hmac.fields", "email,contact.emails.email", "hmac.secret", SECRET,
                "mask.fields", "contact.phone", "null.fields", "ssn");
        Map<String, Object> input = customer();
        Map<String, Object> copy = new LinkedHashMap<>(input);
        Map<String, Object> out = (Map<String, Object>) transform.apply(record(null, input)).value();
        assertEquals(EMAIL_HMAC, out.get("email"));
        Map<String, Object> contact = (Map<String, Object>) out.get("contact");
        assertEquals("********4567", contact.get("phone"));
        assertEquals(List.of(Map.of("email", EMAIL_HMAC)), contact.get("emails"), "a path through an array applies to each element");
        assertNull(out.get("ssn"));
        assertTrue(out.containsKey("ssn"));
        assertEquals(42, out.get("age"));
        assertEquals(copy, input, "the input is not modified");
    }

    @Test
    void hmacOptions() {
        assertEquals("JPJLsZnp3cQkPefEvcwm7VWI8dXn1zeHFS+Nta7ccLo=", hashed(value("hmac.fields", "email", "hmac.secret",
                SECRET, "hmac.encoding", "base64"), "arroyocolton@gmail.com"));
        assertEquals(EMAIL_HMAC, hashed(value("hmac.fields", "email", "hmac.secret", SECRET,
                "hmac.normalize", "trim_lowercase"), "  ArroyoColton@GMAIL.com "));
        assertEquals(EMAIL_HMAC, hashed(value("hmac.fields", "email", "hmac.secret", SECRET,
                "hmac.normalize", "lowercase"), "ARROYOCOLTON@gmail.com"));
        assertEquals("ed2e3a0582cefd9e812116bb5efcc03841c434a6274e8672f08567c668106ce9",
                hashed(value("hmac.fields", "email", "hmac.secret", SECRET), 42), "numbers hash their text");
    }

    private static Object hashed(ProtectFields<SinkRecord> transform, Object email) {
        return ((Map<?, ?>) transform.apply(record(null, Map.of("email", email))).value()).get("email");
    }

    @Test
    void maskOptions() {
        ProtectFields<SinkRecord> transform = value("mask.fields", "card", "mask.keep.last", "2", "mask.char", "#");
        assertEquals("##############34", ((Map<?, ?>) transform.apply(record(null, Map.of("card", "1234123412341234")))
                .value()).get("card"));
        assertEquals("##", ((Map<?, ?>) transform.apply(record(null, Map.of("card", "12"))).value()).get("card"),
                "a value no longer than keep.last is masked entirely");
    }

    @Test
    void structsGetAnUpdatedCachedSchema() {
        Schema contact = SchemaBuilder.struct().field("phone", Schema.STRING_SCHEMA).build();
        Schema schema = SchemaBuilder.struct().name("customer")
                .field("id", Schema.STRING_SCHEMA).field("email", Schema.STRING_SCHEMA)
                .field("pin", Schema.INT32_SCHEMA).field("contact", contact).build();
        Struct input = new Struct(schema).put("id", "a").put("email", "arroyocolton@gmail.com").put("pin", 1234)
                .put("contact", new Struct(contact).put("phone", "555-123-4567"));
        ProtectFields<SinkRecord> transform = value("hmac.fields", "email", "hmac.secret", SECRET,
                "mask.fields", "contact.phone", "null.fields", "pin");
        SinkRecord out = transform.apply(Records.record("t", null, null, schema, input));
        Struct row = (Struct) out.value();
        assertEquals(EMAIL_HMAC, row.get("email"));
        assertNull(row.get("pin"));
        assertTrue(out.valueSchema().field("pin").schema().isOptional());
        assertEquals(Schema.Type.INT32, out.valueSchema().field("pin").schema().type());
        assertEquals("********4567", row.getStruct("contact").get("phone"));
        assertEquals("customer", out.valueSchema().name());
        assertEquals("arroyocolton@gmail.com", input.get("email"), "the input struct is not modified");
        SinkRecord again = transform.apply(Records.record("t", null, null, schema, input));
        assertSame(out.valueSchema(), again.valueSchema(), "the output schema is cached per input schema");
    }

    @Test
    void keyVariantProtectsTheKey() {
        ProtectFields<SinkRecord> transform = new ProtectFields.Key<>();
        transform.configure(props("hmac.fields", "email", "hmac.secret", SECRET));
        SinkRecord out = transform.apply(record(Map.of("email", "arroyocolton@gmail.com"), Map.of("email", "visible")));
        assertEquals(EMAIL_HMAC, ((Map<?, ?>) out.key()).get("email"));
        assertEquals("visible", ((Map<?, ?>) out.value()).get("email"));
    }

    @Test
    void tombstonesAndMissingFieldsPass() {
        ProtectFields<SinkRecord> transform = value("hmac.fields", "email", "hmac.secret", SECRET);
        SinkRecord tombstone = record("k", null);
        assertSame(tombstone, transform.apply(tombstone));
        Map<String, Object> noEmail = Map.of("id", 1);
        assertSame(noEmail, transform.apply(record(null, noEmail)).value(), "nothing to protect, nothing copied");
    }

    @Test
    void textOrBytesNeverPassWithTheirPersonalData() {
        ProtectFields<SinkRecord> transform = value("hmac.fields", "email", "hmac.secret", SECRET);
        org.apache.kafka.connect.errors.DataException text = assertThrows(org.apache.kafka.connect.errors.DataException.class,
                () -> transform.apply(record(null, "{\"email\": \"arroyocolton@gmail.com\"}")));
        assertTrue(text.getMessage().contains("expected a document") && text.getMessage().contains("after ChangeEventToRow"),
                text.getMessage());
        assertTrue(text.getMessage().contains("topic=" + Records.TOPIC), text.getMessage());
        assertThrows(org.apache.kafka.connect.errors.DataException.class,
                () -> transform.apply(record(null, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    @Test
    void deepArraysOnAPathFailWithADataException() {
        ProtectFields<SinkRecord> transform = value("null.fields", "a.b", "max.depth", "50");
        Object nested = Map.of("b", 1);
        for (int i = 0; i < 10_000; i++) {
            nested = List.of(nested);
        }
        Object deep = nested;
        org.apache.kafka.connect.errors.DataException e = assertThrows(org.apache.kafka.connect.errors.DataException.class,
                () -> transform.apply(record(null, Map.of("a", deep))));
        assertTrue(e.getMessage().contains("nesting deeper than max.depth=50"), e.getMessage());
    }

    @Test
    void hashedDocumentsRespectTheSizeLimit() {
        // a document at a hashed path is hashed as its JSON text, which max.bytes bounds
        ProtectFields<SinkRecord> transform = value("hmac.fields", "profile", "hmac.secret", SECRET, "max.bytes", "64");
        org.apache.kafka.connect.errors.DataException e = assertThrows(org.apache.kafka.connect.errors.DataException.class,
                () -> transform.apply(record(null, Map.of("profile", Map.of("bio", "x".repeat(100))))));
        assertTrue(e.getMessage().contains("max.bytes=64"), e.getMessage());
        assertEquals(64, ((String) ((Map<?, ?>) transform.apply(record(null, Map.of("profile", Map.of("bio", "short"))))
                .value()).get("profile")).length());
    }

    @Test
    void entriesOfAMapOfStringsWithASchema() {
        Schema contacts = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).optional().build();
        Schema schema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).field("contacts", contacts).build();
        Struct input = new Struct(schema).put("id", "a")
                .put("contacts", Map.of("email", "arroyocolton@gmail.com", "city", "Lyon"));
        SinkRecord out = value("hmac.fields", "contacts.email", "hmac.secret", SECRET)
                .apply(Records.record("t", null, null, schema, input));
        Struct row = (Struct) out.value();
        assertEquals(Map.of("email", EMAIL_HMAC, "city", "Lyon"), row.getMap("contacts"));
        assertTrue(out.valueSchema().field("contacts").schema().isOptional(), "an optional map stays optional");
        SinkRecord nulled = value("null.fields", "contacts.email").apply(Records.record("t", null, null, schema, input));
        assertNull(((Struct) nulled.value()).getMap("contacts").get("email"));

        Schema pins = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build();
        Schema withPins = SchemaBuilder.struct().field("pins", pins).build();
        org.apache.kafka.connect.errors.DataException e = assertThrows(org.apache.kafka.connect.errors.DataException.class,
                () -> value("mask.fields", "pins.card").apply(Records.record("t", null, null, withPins,
                        new Struct(withPins).put("pins", Map.of("card", 1234)))));
        assertTrue(e.getMessage().contains("field 'pins.card' is inside the map 'pins' of INT32 values"), e.getMessage());
    }

    @Test
    void anOptionalNestedStructStaysOptional() {
        Schema contact = SchemaBuilder.struct().field("phone", Schema.OPTIONAL_STRING_SCHEMA).optional().build();
        Schema schema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).field("contact", contact).build();
        SinkRecord out = value("mask.fields", "contact.phone")
                .apply(Records.record("t", null, null, schema, new Struct(schema).put("id", "a")));
        assertTrue(out.valueSchema().field("contact").schema().isOptional());
        assertNull(((Struct) out.value()).get("contact"));
    }

    @Test
    void configErrors() {
        assertThrows(ConfigException.class, () -> value());
        assertThrows(ConfigException.class, () -> value("hmac.fields", "email"));
        ConfigException shortSecret = assertThrows(ConfigException.class,
                () -> value("hmac.fields", "email", "hmac.secret", "short"));
        assertFalse(shortSecret.getMessage().contains("short"), "the secret never appears in a message");
        assertThrows(ConfigException.class, () -> value("mask.fields", "a", "null.fields", "a"));
        assertThrows(ConfigException.class, () -> value("mask.fields", "a", "mask.char", "**"));
        assertEquals(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD,
                ProtectFields.CONFIG_DEF.configKeys().get("hmac.secret").type, "the secret is a PASSWORD config");
    }

    @Test
    void isThreadSafe() throws Exception {
        ProtectFields<SinkRecord> transform = value("hmac.fields", "email", "hmac.secret", SECRET);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        if (!EMAIL_HMAC.equals(hashed(transform, "arroyocolton@gmail.com"))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

package dev.mongorow.connect.transforms;

import static dev.mongorow.connect.transforms.Records.props;
import static dev.mongorow.connect.transforms.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class FlattenDocumentTest {

    private static FlattenDocument<SinkRecord> value(String... pairs) {
        FlattenDocument<SinkRecord> transform = new FlattenDocument.Value<>();
        transform.configure(props(pairs));
        return transform;
    }

    private static List<String> names(Schema schema) {
        return schema.fields().stream().map(Field::name).collect(Collectors.toList());
    }

    private static Map<String, Object> customer() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", "a");
        doc.put("address", Map.of("city", "Oslo"));
        doc.put("birthdate", Map.of("$date", Map.of("$numberLong", "-1000")));
        doc.put("accounts", List.of(1, 2));
        doc.put("tier_and_details", Map.of("0df0", Map.of("tier", "Bronze")));
        doc.put("balance", new BigDecimal("1.50"));
        doc.put("note", null);
        return doc;
    }

    @Test
    void schemalessDocumentsFlattenWithInferredTypes() {
        SinkRecord out = value("json.fields", "tier_and_details").apply(record(null, customer()));
        Struct row = (Struct) out.value();
        assertEquals(List.of("id", "address_city", "birthdate", "accounts", "tier_and_details", "balance", "note"),
                names(out.valueSchema()));
        assertEquals("Oslo", row.get("address_city"));
        assertEquals(new Date(-1000L), row.get("birthdate"));
        assertEquals("[1,2]", row.get("accounts"));
        assertEquals("{\"0df0\":{\"tier\":\"Bronze\"}}", row.get("tier_and_details"));
        assertEquals(new BigDecimal("1.50"), row.get("balance"));
        assertNull(row.get("note"));
        assertEquals("io.debezium.data.Json", out.valueSchema().field("accounts").schema().name());
    }

    @Test
    void sameShapeReusesTheSchema() {
        FlattenDocument<SinkRecord> transform = value();
        Schema first = transform.apply(record(null, customer())).valueSchema();
        assertSame(first, transform.apply(record(null, customer())).valueSchema());
    }

    @Test
    void depthLimitTurnsDeepDocumentsIntoJson() {
        Map<String, Object> doc = Map.of("a", Map.of("b", Map.of("c", 1)));
        assertEquals(List.of("a_b_c"), names(value().apply(record(null, doc)).valueSchema()));
        SinkRecord shallow = value("flatten.depth", "1", "delimiter", "__").apply(record(null, doc));
        assertEquals(List.of("a__b"), names(shallow.valueSchema()));
        assertEquals("{\"c\":1}", ((Struct) shallow.value()).get("a__b"));
    }

    @Test
    void namesAreSanitizedShortenedAndDeduplicated() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("first-name", "x");
        doc.put("first_name", "y");
        doc.put("9lives", 1);
        doc.put("l".repeat(70), 2);
        SinkRecord out = value().apply(record(null, doc));
        List<String> names = names(out.valueSchema());
        assertEquals("first_name", names.get(1), "the clean name keeps its name");
        assertTrue(names.get(0).matches("first_name_[0-9a-f]{8}"), names.get(0));
        assertEquals("_9lives", names.get(2));
        assertEquals(64, names.get(3).length());
        assertTrue(names.get(3).matches("l{55}_[0-9a-f]{8}"), names.get(3));

        Map<String, Object> reversed = new LinkedHashMap<>();
        reversed.put("first_name", "y");
        reversed.put("first-name", "x");
        List<String> again = names(value().apply(record(null, reversed)).valueSchema());
        assertEquals(names.get(0), again.get(1), "the same path gets the same name whatever the field order");
    }

    @Test
    void caseInsensitiveCollisionsAreResolved() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("Name", "a");
        doc.put("name", "b");
        List<String> names = names(value().apply(record(null, doc)).valueSchema());
        assertEquals("Name", names.get(0));
        assertTrue(names.get(1).startsWith("name_"), names.get(1));
    }

    @Test
    void structsFlattenIncludingArraysAndMaps() {
        Schema address = SchemaBuilder.struct().optional().field("city", Schema.STRING_SCHEMA).build();
        Schema schema = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("address", address)
                .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
                .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build()).build();
        Struct value = new Struct(schema).put("id", 1).put("address", new Struct(address).put("city", "Oslo"))
                .put("tags", List.of("a", "b")).put("attrs", Map.of("k", 1));
        FlattenDocument<SinkRecord> transform = value();
        SinkRecord out = transform.apply(Records.record("t", null, null, schema, value));
        Struct row = (Struct) out.value();
        assertEquals("Oslo", row.get("address_city"));
        assertTrue(out.valueSchema().field("address_city").schema().isOptional(), "optional parent -> optional field");
        assertEquals("[\"a\",\"b\"]", row.get("tags"));
        assertEquals("{\"k\":1}", row.get("attrs"));
        Struct noAddress = new Struct(schema).put("id", 2).put("tags", List.of()).put("attrs", Map.of());
        assertNull(((Struct) transform.apply(Records.record("t", null, null, schema, noAddress)).value())
                .get("address_city"));
        assertSame(out.valueSchema(), transform.apply(Records.record("t", null, null, schema, value)).valueSchema());
    }

    @Test
    void keyVariantAndJsonTextInput() {
        FlattenDocument<SinkRecord> transform = new FlattenDocument.Key<>();
        transform.configure(props());
        SinkRecord out = transform.apply(record("{\"a\": {\"b\": 1}}", "untouched"));
        assertEquals(1, ((Struct) out.key()).get("a_b"));
        assertEquals("untouched", out.value());
    }

    @Test
    void namingOptions() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("first-name", "x");
        doc.put("l".repeat(40), 2);
        List<String> raw = names(value("name.sanitize", "false", "name.max.length", "32").apply(record(null, doc)).valueSchema());
        assertEquals("first-name", raw.get(0), "name.sanitize=false keeps the name as it is");
        assertEquals(32, raw.get(1).length());
        assertTrue(raw.get(1).matches("l{23}_[0-9a-f]{8}"), raw.get(1));
    }

    @Test
    void valuesMySqlCannotHoldFailInTheTransform() {
        DataException beforeYear1000 = assertThrows(DataException.class, () -> value().apply(record(null,
                Map.of("born", Map.of("$date", Map.of("$numberLong", "-62135596800000")))))); // year 1
        assertTrue(beforeYear1000.getMessage().contains("field 'born': expected a date between years 1000 and 9999"),
                beforeYear1000.getMessage());
        DataException tooPrecise = assertThrows(DataException.class, () -> value().apply(record(null,
                Map.of("x", Map.of("$numberDecimal", "1E-31")))));
        assertTrue(tooPrecise.getMessage().contains("field 'x': expected a DECIMAL MySQL can hold"), tooPrecise.getMessage());
        Struct big = (Struct) value().apply(record(null, Map.of("x", Map.of("$numberDecimal", "1E+30")))).value();
        assertEquals(new BigDecimal("1000000000000000000000000000000"), big.get("x"), "a negative scale becomes 0, exactly");
    }

    @Test
    void sizeLimit() {
        DataException e = assertThrows(DataException.class, () -> value("max.bytes", "1024").apply(record(null,
                "{\"x\": \"" + "a".repeat(2000) + "\"}")));
        assertTrue(e.getMessage().contains("max.bytes=1024"), e.getMessage());
    }

    @Test
    void deepDocumentsFailCleanly() {
        Map<String, Object> doc = Map.of("x", 1);
        for (int i = 0; i < 80; i++) {
            doc = Map.of("x", doc);
        }
        Map<String, Object> deep = doc;
        DataException e = assertThrows(DataException.class,
                () -> value("flatten.depth", "100").apply(record(null, deep)));
        assertTrue(e.getMessage().contains("nesting deeper than max.depth=64"), e.getMessage());
    }
}

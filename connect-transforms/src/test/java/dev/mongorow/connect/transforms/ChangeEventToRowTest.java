package dev.mongorow.connect.transforms;

import static dev.mongorow.connect.transforms.Records.changeEvent;
import static dev.mongorow.connect.transforms.Records.props;
import static dev.mongorow.connect.transforms.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChangeEventToRowTest {
    private static final String OID = "{\"$oid\": \"5ca4bbcea2dd94ee58162a68\"}";
    private static final String DOC = "{\"_id\": " + OID + ", \"name\": \"Elizabeth Ray\", "
            + "\"birthdate\": {\"$date\": {\"$numberLong\": \"-86400000\"}}, \"accounts\": [1, 2]}";

    private final ChangeEventToRow<SinkRecord> transform = new ChangeEventToRow<>();

    @AfterEach
    void close() {
        transform.close();
    }

    private SinkRecord apply(Map<String, String> props, SinkRecord record) {
        transform.configure(props);
        return transform.apply(record);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> value(SinkRecord record) {
        return (Map<String, Object>) record.value();
    }

    private static Object keyId(SinkRecord record) {
        return ((Struct) record.key()).get("id");
    }

    @Test
    void depthAndSizeLimits() {
        String deep = "{\"_id\": 1, \"a\": " + "{\"a\": ".repeat(20) + "1" + "}".repeat(20) + "}";
        DataException tooDeep = assertThrows(DataException.class,
                () -> apply(props("max.depth", "10"), record(null, changeEvent("insert", "1", deep))));
        assertTrue(tooDeep.getMessage().contains("nesting deeper than max.depth=10"), tooDeep.getMessage());
        assertEquals(1, ((Number) keyId(apply(props("max.depth", "30"), record(null, changeEvent("insert", "1", deep))))).intValue());
        DataException tooLarge = assertThrows(DataException.class,
                () -> apply(props("max.bytes", "100"), record(null, changeEvent("insert", "1", DOC))));
        assertTrue(tooLarge.getMessage().contains("above max.bytes=100"), tooLarge.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"insert", "update", "replace"})
    void rowChangesBecomeKeyAndDocument(String operation) {
        SinkRecord out = apply(props(), record("{\"_data\": \"82\"}", changeEvent(operation, OID, DOC)));
        assertEquals("5ca4bbcea2dd94ee58162a68", keyId(out));
        assertEquals(Schema.Type.STRUCT, out.keySchema().type());
        assertEquals(Schema.STRING_SCHEMA, out.keySchema().field("id").schema());
        assertNull(out.valueSchema(), "the value stays schemaless until ApplyTableSchema or FlattenDocument");
        Map<String, Object> row = value(out);
        assertEquals(List.of("id", "name", "birthdate", "accounts"), List.copyOf(row.keySet()));
        assertEquals("5ca4bbcea2dd94ee58162a68", row.get("id"));
        assertEquals(new Date(-86_400_000L), row.get("birthdate"));
        assertEquals(List.of(1, 2), row.get("accounts"));
        assertEquals(operation, out.headers().lastWithName("mongodb.operation").value());
        assertEquals(Records.TOPIC, out.topic());
        assertEquals(3, out.kafkaPartition());
        assertEquals(42L, out.kafkaOffset());
    }

    @Test
    void deleteBecomesATombstoneWithTheSameKey() {
        SinkRecord out = apply(props(), record("{}", changeEvent("delete", OID, null)));
        assertNull(out.value());
        assertNull(out.valueSchema());
        assertEquals("5ca4bbcea2dd94ee58162a68", keyId(out));
        assertEquals("delete", out.headers().lastWithName("mongodb.operation").value());
    }

    @Test
    void deleteCanBeDropped() {
        assertNull(apply(props("delete.handling.mode", "drop"), record("{}", changeEvent("delete", OID, null))));
    }

    @Test
    void softDeleteFlagsRowsAndKeepsThePreImage() {
        Map<String, String> soft = props("delete.handling.mode", "soft", "delete.soft.field", "is_deleted");
        SinkRecord inserted = apply(soft, record(null, changeEvent("insert", OID, DOC)));
        assertEquals(false, value(inserted).get("is_deleted"));

        String event = changeEvent("delete", OID, null);
        String withPreImage = event.substring(0, event.length() - 1) + ", \"fullDocumentBeforeChange\": " + DOC + "}";
        SinkRecord deleted = transform.apply(record(null, withPreImage));
        assertEquals(true, value(deleted).get("is_deleted"));
        assertEquals("Elizabeth Ray", value(deleted).get("name"));
        assertEquals("5ca4bbcea2dd94ee58162a68", value(deleted).get("id"));

        SinkRecord bare = transform.apply(record(null, changeEvent("delete", OID, null)));
        assertEquals(Map.of("id", "5ca4bbcea2dd94ee58162a68", "is_deleted", true), value(bare));
    }

    @ParameterizedTest
    @ValueSource(strings = {"drop", "rename", "dropDatabase", "invalidate", "createIndexes"})
    void otherOperationsAreDroppedByDefault(String operation) {
        String event = "{\"_id\": {\"_data\": \"1\"}, \"operationType\": \"" + operation + "\", "
                + "\"ns\": {\"db\": \"app\", \"coll\": \"users\"}}";
        assertNull(apply(props(), record(null, event)));
    }

    @Test
    void otherOperationsFailWhenConfigured() {
        String event = "{\"_id\": {\"_data\": \"1\"}, \"operationType\": \"drop\", \"ns\": {\"db\": \"app\", \"coll\": \"users\"}}";
        DataException e = assertThrows(DataException.class,
                () -> apply(props("other.operations", "fail"), record(null, event)));
        assertTrue(e.getMessage().contains("'drop' on app.users is not a row change"), e.getMessage());
        assertTrue(e.getMessage().contains("topic=mongo.app.users partition=3 offset=42"), e.getMessage());
    }

    @Test
    void metadataFieldsAreAddedWithThePrefix() {
        SinkRecord out = apply(props("metadata.fields", "operation,cluster_time,wall_time,namespace,database,collection",
                "metadata.prefix", "_m_"), record(null, changeEvent("update", OID, DOC)));
        Map<String, Object> row = value(out);
        assertEquals("update", row.get("_m_operation"));
        assertEquals((1_700_000_000L << 32) | 7L, row.get("_m_cluster_time"));
        assertEquals(new Date(1_700_000_000_000L), row.get("_m_wall_time"));
        assertEquals("app.users", row.get("_m_namespace"));
        assertEquals("app", row.get("_m_database"));
        assertEquals("users", row.get("_m_collection"));
    }

    @Test
    void unknownMetadataFieldIsAConfigError() {
        assertThrows(ConfigException.class, () -> transform.configure(props("metadata.fields", "operation,shard")));
    }

    @Test
    void keyFieldCanBeRenamedAndHeaderTurnedOff() {
        SinkRecord out = apply(props("key.field", "user_id", "operation.header", ""),
                record(null, changeEvent("insert", OID, DOC)));
        assertEquals("5ca4bbcea2dd94ee58162a68", ((Struct) out.key()).get("user_id"));
        assertEquals("5ca4bbcea2dd94ee58162a68", value(out).get("user_id"));
        assertNull(out.headers().lastWithName("mongodb.operation"));
    }

    @Test
    void aDocumentFieldNamedLikeTheKeyFieldIsReported() {
        String doc = "{\"_id\": 1, \"id\": \"other\"}";
        DataException e = assertThrows(DataException.class,
                () -> apply(props(), record(null, changeEvent("insert", "1", doc))));
        assertTrue(e.getMessage().contains("already has a field named like key.field"), e.getMessage());
    }

    @Test
    void idTypesAreKept() {
        transform.configure(props());
        assertEquals(Schema.INT32_SCHEMA, transform.apply(record(null, changeEvent("insert", "7", "{\"_id\": 7}")))
                .keySchema().field("id").schema());
        SinkRecord int64 = transform.apply(record(null, changeEvent("insert", "{\"$numberLong\": \"9007199254740993\"}",
                "{\"_id\": {\"$numberLong\": \"9007199254740993\"}}")));
        assertEquals(9007199254740993L, keyId(int64));
        assertEquals(Schema.INT64_SCHEMA, int64.keySchema().field("id").schema());
        SinkRecord decimal = transform.apply(record(null, changeEvent("insert", "{\"$numberDecimal\": \"1.50\"}",
                "{\"_id\": {\"$numberDecimal\": \"1.50\"}}")));
        assertEquals(new BigDecimal("1.50"), keyId(decimal));
        SinkRecord uuid = transform.apply(record(null, changeEvent("insert",
                "{\"$uuid\": \"7378d214-f1b7-4ab5-acc9-8f536bfe274c\"}", "{\"_id\": 1}")));
        assertEquals("7378d214-f1b7-4ab5-acc9-8f536bfe274c", keyId(uuid), "documentKey wins over fullDocument._id");
        SinkRecord compound = transform.apply(record(null, changeEvent("insert", "{\"a\": 1, \"b\": \"x\"}",
                "{\"_id\": {\"a\": 1, \"b\": \"x\"}}")));
        assertEquals("{\"a\":1,\"b\":\"x\"}", keyId(compound));
    }

    @Test
    void updateWithoutFullDocumentNamesTheSourceSetting() {
        DataException e = assertThrows(DataException.class,
                () -> apply(props(), record(null, changeEvent("update", OID, null))));
        assertTrue(e.getMessage().contains("change.stream.full.document=updateLookup"), e.getMessage());
    }

    @Test
    void updateWhoseDocumentIsGoneIsSkipped() {
        assertNull(apply(props(), record(null, changeEvent("update", OID, "null"))));
    }

    @Test
    void fullDocumentOnlyRecordsUseTheirOwnId() {
        SinkRecord out = apply(props(), record(null, DOC));
        assertEquals("5ca4bbcea2dd94ee58162a68", keyId(out));
        assertEquals("Elizabeth Ray", value(out).get("name"));
        assertNull(out.headers().lastWithName("mongodb.operation"), "the operation is unknown");
    }

    @Test
    void documentWithoutIdFails() {
        DataException e = assertThrows(DataException.class, () -> apply(props(), record(null, "{\"name\": \"x\"}")));
        assertTrue(e.getMessage().contains("field '_id': missing"), e.getMessage());
    }

    @Test
    void tombstonesTakeTheIdFromAnyKeyForm() {
        transform.configure(props());
        assertEquals("abc", keyId(transform.apply(record("{\"documentKey\": {\"_id\": \"abc\"}}", null))));
        assertEquals("5ca4bbcea2dd94ee58162a68", keyId(transform.apply(record("{\"_id\": " + OID + "}", null))));
        assertEquals(5, keyId(transform.apply(record(Map.of("_id", 5), null))));
        assertEquals("plain", keyId(transform.apply(record("plain", null))));
        Schema keySchema = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build();
        assertEquals(9L, keyId(transform.apply(record(new Struct(keySchema).put("id", 9L), null))));
        DataException e = assertThrows(DataException.class,
                () -> transform.apply(record("{\"_id\": {\"_data\": \"8263\"}}", null)));
        assertTrue(e.getMessage().contains("output.schema.key"), e.getMessage());
        assertThrows(DataException.class, () -> transform.apply(record(null, null)));
    }

    @Test
    void acceptsMapsStructsAndBytes() {
        transform.configure(props());
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("operationType", "insert");
        event.put("documentKey", Map.of("_id", Map.of("$oid", "5ca4bbcea2dd94ee58162a68")));
        event.put("fullDocument", Map.of("_id", Map.of("$oid", "5ca4bbcea2dd94ee58162a68"), "n", 1));
        SinkRecord fromMap = transform.apply(record(null, event));
        assertEquals("5ca4bbcea2dd94ee58162a68", keyId(fromMap));

        // mongo-kafka-connect's default schema: documentKey and fullDocument as JSON strings inside a struct
        Schema schema = SchemaBuilder.struct().field("operationType", Schema.STRING_SCHEMA)
                .field("documentKey", Schema.OPTIONAL_STRING_SCHEMA).field("fullDocument", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        Struct struct = new Struct(schema).put("operationType", "replace").put("documentKey", "{\"_id\": " + OID + "}")
                .put("fullDocument", DOC);
        SinkRecord fromStruct = transform.apply(Records.record(Records.TOPIC, null, null, schema, struct));
        assertEquals("Elizabeth Ray", value(fromStruct).get("name"));

        SinkRecord fromBytes = transform.apply(record(null,
                changeEvent("insert", OID, DOC).getBytes(StandardCharsets.UTF_8)));
        assertEquals("5ca4bbcea2dd94ee58162a68", keyId(fromBytes));
    }

    @Test
    void theInputRecordIsNotModified() {
        transform.configure(props("metadata.fields", "operation"));
        Map<String, Object> document = new HashMap<>(Map.of("_id", 1, "a", 2));
        Map<String, Object> event = new HashMap<>(Map.of("operationType", "insert", "fullDocument", document));
        SinkRecord input = record(null, event);
        SinkRecord out = transform.apply(input);
        assertEquals(Map.of("_id", 1, "a", 2), document);
        assertEquals(2, event.size());
        assertFalse(input.headers().iterator().hasNext(), "headers of the input stay untouched");
        assertSame(event, input.value());
        assertEquals(Map.of("id", 1, "a", 2, "__operation", "insert"), value(out));
    }

    @Test
    void garbageIsADataExceptionWithCoordinates() {
        transform.configure(props());
        for (Object bad : new Object[] {"not json", "[1,2]", 42, "{\"operationType\": 5}",
                "{\"operationType\": \"insert\", \"fullDocument\": \"[]\"}",
                "{\"operationType\": \"delete\"}"}) {
            DataException e = assertThrows(DataException.class, () -> transform.apply(record(null, bad)),
                    String.valueOf(bad));
            assertTrue(e.getMessage().startsWith("ChangeEventToRow failed on record [topic=mongo.app.users partition=3 "
                    + "offset=42]: "), e.getMessage());
            assertFalse(e.getMessage().contains("unexpected"), e.getMessage());
        }
    }

    @Test
    void versionAndConfigAreExposed() {
        assertFalse(transform.version().isBlank());
        assertSame(ChangeEventToRow.CONFIG_DEF, transform.config());
    }
}

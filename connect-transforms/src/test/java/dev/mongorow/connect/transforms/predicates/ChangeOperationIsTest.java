package dev.mongorow.connect.transforms.predicates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import dev.mongorow.connect.transforms.ChangeEventToRow;

class ChangeOperationIsTest {

    private static ChangeOperationIs<SinkRecord> predicate(String operations) {
        ChangeOperationIs<SinkRecord> predicate = new ChangeOperationIs<>();
        predicate.configure(Map.of("operations", operations));
        return predicate;
    }

    private static SinkRecord record(Object value) {
        return new SinkRecord("t", 0, null, null, null, value, 1L);
    }

    @Test
    void readsJsonTextBytesMapsAndStructs() {
        ChangeOperationIs<SinkRecord> deletes = predicate("delete, replace");
        assertTrue(deletes.test(record("{\"_id\": {\"_data\": \"x\"}, \"fullDocument\": {\"operationType\": \"insert\"}, "
                + "\"operationType\": \"delete\"}")), "nested fields are skipped, the top-level one counts");
        assertFalse(deletes.test(record("{\"operationType\": \"insert\"}")));
        assertTrue(deletes.test(record(Map.of("operationType", "replace"))));
        Schema schema = SchemaBuilder.struct().field("operationType", Schema.STRING_SCHEMA).build();
        assertTrue(deletes.test(record(new Struct(schema).put("operationType", "delete"))));
        assertTrue(deletes.test(record(null)), "a tombstone is a delete");
        assertFalse(deletes.test(record("not json")));
        assertTrue(deletes.test(record("{\"operationType\": \"delete\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                "JSON bytes, as ByteArrayConverter gives them");
        assertFalse(deletes.test(record("{\"operationType\": \"insert\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertFalse(deletes.test(record(new byte[] {(byte) 0xFF, 0x00})));
        assertTrue(predicate("document").test(record("{\"_id\": 1, \"name\": \"x\"}")));
    }

    @Test
    void readsTheHeaderOfChangeEventToRow() {
        ChangeEventToRow<SinkRecord> toRow = new ChangeEventToRow<>();
        toRow.configure(Map.of());
        SinkRecord row = toRow.apply(record("{\"operationType\": \"update\", \"documentKey\": {\"_id\": 1}, "
                + "\"fullDocument\": {\"_id\": 1}}"));
        assertTrue(predicate("update").test(row));
        assertFalse(predicate("insert").test(row));
    }

    @Test
    void headerOption() {
        ChangeEventToRow<SinkRecord> toRow = new ChangeEventToRow<>();
        toRow.configure(Map.of("operation.header", "op"));
        SinkRecord row = toRow.apply(record("{\"operationType\": \"update\", \"documentKey\": {\"_id\": 1}, "
                + "\"fullDocument\": {\"_id\": 1}}"));
        assertEquals("update", row.headers().lastWithName("op").value());
        ChangeOperationIs<SinkRecord> updates = new ChangeOperationIs<>();
        updates.configure(Map.of("operations", "update", "header", "op"));
        assertTrue(updates.test(row), "read from the configured header");
        assertFalse(predicate("update").test(row), "the default header is absent, and the row holds no operationType");
    }

    @Test
    void needsAtLeastOneOperation() {
        assertThrows(ConfigException.class, () -> predicate(""));
    }
}

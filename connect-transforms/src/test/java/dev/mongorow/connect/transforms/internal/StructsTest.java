package dev.mongorow.connect.transforms.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Date;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

class StructsTest {
    private static final Schema SCHEMA = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA)
            .field("born", Timestamp.builder().optional().build()).field("n", Schema.OPTIONAL_INT64_SCHEMA).build();

    @Test
    void fillsStructsDirectlyOnTheKafkaVersionWeBuildWith() {
        // false would mean a Kafka release changed Struct's internals: everything still works, through
        // Struct.put, at about a third more cost per record (see BENCHMARKS.md)
        assertTrue(Structs.direct(), "Structs.of fills the value array directly");
    }

    @Test
    void theStructIsTheOnePutWouldHaveBuilt() {
        Object[] values = {"a", new Date(-1000L), null};
        Struct direct = Structs.of(SCHEMA, values);
        direct.validate();
        Struct put = new Struct(SCHEMA).put("id", "a").put("born", new Date(-1000L));
        assertEquals(put, direct);
        assertEquals(put.hashCode(), direct.hashCode());
        assertEquals("a", direct.getString("id"));
        values[0] = "changed";
        assertEquals("a", direct.get("id"), "the values are copied, not shared");
    }
}

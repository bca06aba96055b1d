package dev.mongorow.connect.transforms.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Builds Structs from values that our coercion has already made exactly what their fields' schemas require.
 *
 * <p>{@code Struct.put} checks each value against its field's schema (class lookups in two hash maps and a
 * message string built for every call): a third of the whole chain's cost on a customer document, spent
 * proving again what {@link ColumnType} established. Here the values are copied into the new Struct's value
 * array directly. Where that array cannot be reached (a Kafka release that renames it), every value goes through
 * {@code put} as before: slower, never wrong. {@code StructsTest} says which path is active, and the tests
 * validate every Struct our transforms produce with {@code ConnectSchema.validateValue}.
 */
public final class Structs {
    private static final VarHandle VALUES = valuesHandle();

    private Structs() {
    }

    private static VarHandle valuesHandle() {
        try {
            VarHandle handle = MethodHandles.privateLookupIn(Struct.class, MethodHandles.lookup())
                    .findVarHandle(Struct.class, "values", Object[].class);
            Struct probe = new Struct(org.apache.kafka.connect.data.SchemaBuilder.struct()
                    .field("probe", Schema.OPTIONAL_STRING_SCHEMA).build());
            ((Object[]) handle.get(probe))[0] = "ok";
            if ("ok".equals(probe.get("probe"))) {
                return handle;
            }
            org.slf4j.LoggerFactory.getLogger(Structs.class).info("Struct values go through Struct.put (the direct fill "
                    + "did not hold on this Kafka version): correct, about a third slower per record");
            return null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Structs.class).info("Struct values go through Struct.put (this Kafka "
                    + "version's Struct cannot be filled directly: {}): correct, about a third slower per record", e.toString());
            return null;
        }
    }

    /** True when Structs are filled directly; false when every value goes through {@code Struct.put}. */
    public static boolean direct() {
        return VALUES != null;
    }

    /**
     * A Struct of {@code schema} holding {@code values} in field order. The caller guarantees that each value
     * is valid for its field (type, logical type, optionality).
     */
    public static Struct of(Schema schema, Object[] values) {
        Struct struct = new Struct(schema);
        if (VALUES != null) {
            System.arraycopy(values, 0, (Object[]) VALUES.get(struct), 0, values.length);
            return struct;
        }
        List<Field> fields = schema.fields();
        for (int i = 0; i < values.length; i++) {
            struct.put(fields.get(i), values[i]);
        }
        return struct;
    }

    /** A Struct of one field. */
    public static Struct of(Schema schema, Object value) {
        return of(schema, new Object[] {value});
    }
}

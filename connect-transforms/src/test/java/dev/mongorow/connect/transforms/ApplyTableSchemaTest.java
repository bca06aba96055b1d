package dev.mongorow.connect.transforms;

import static dev.mongorow.connect.transforms.Records.props;
import static dev.mongorow.connect.transforms.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApplyTableSchemaTest {
    private static final String USERS = "id STRING(24) NOT NULL, name STRING(100) NOT NULL, "
            + "city STRING FROM address.city, birthdate TIMESTAMP, born DATE FROM birthdate, active BOOLEAN DEFAULT true, "
            + "age INT32, visits INT64 DEFAULT 0, score FLOAT64, balance DECIMAL(12,2) DEFAULT 0, accounts JSON, "
            + "first_account INT64 FROM accounts.0";

    private final ApplyTableSchema<SinkRecord> transform = new ApplyTableSchema<>();

    private ApplyTableSchema<SinkRecord> configured(String... extra) {
        Map<String, String> props = props("table", "users", "columns", USERS);
        props.putAll(props(extra));
        transform.configure(props);
        return transform;
    }

    private static Map<String, Object> user() {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("id", "5ca4bbcea2dd94ee58162a68");
        user.put("name", "Elizabeth Ray");
        user.put("address", Map.of("city", "Vasqueztown", "zip", "22939"));
        user.put("birthdate", new Date(-1196280000000L));
        user.put("age", 42L);
        user.put("score", 7);
        user.put("balance", "1234.565");
        user.put("accounts", List.of(371138, 324287));
        return user;
    }

    private Struct row(Object value) {
        return (Struct) configured().apply(record(null, value)).value();
    }

    @Test
    void documentBecomesTypedFlatRow() {
        SinkRecord out = configured().apply(record(null, user()));
        Struct row = (Struct) out.value();
        assertEquals("5ca4bbcea2dd94ee58162a68", row.get("id"));
        assertEquals("Elizabeth Ray", row.get("name"));
        assertEquals("Vasqueztown", row.get("city"));
        assertEquals(Instant.parse("1932-02-04T04:00:00Z"), ((Date) row.get("birthdate")).toInstant());
        assertEquals(Instant.parse("1932-02-04T00:00:00Z"), ((Date) row.get("born")).toInstant());
        assertEquals(true, row.get("active"), "DEFAULT applies to a missing field");
        assertEquals(42, row.get("age"));
        assertEquals(0L, row.get("visits"));
        assertEquals(7.0, row.get("score"));
        assertEquals(new BigDecimal("1234.57"), row.get("balance"), "rounded HALF_UP to the scale");
        assertEquals("[371138,324287]", row.get("accounts"));
        assertEquals(371138L, row.get("first_account"));

        assertEquals("users", out.topic(), "routed to the table name");
        assertEquals(List.of("id"), out.keySchema().fields().stream().map(f -> f.name()).toList());
        assertEquals("5ca4bbcea2dd94ee58162a68", ((Struct) out.key()).get("id"));
        Schema schema = out.valueSchema();
        assertEquals(Decimal.LOGICAL_NAME, schema.field("balance").schema().name());
        assertEquals("12", schema.field("balance").schema().parameters().get("connect.decimal.precision"));
        assertEquals(Timestamp.LOGICAL_NAME, schema.field("birthdate").schema().name());
        assertEquals("io.debezium.data.Json", schema.field("accounts").schema().name());
        assertTrue(!schema.field("name").schema().isOptional() && schema.field("city").schema().isOptional());
        assertSame(schema, transform.apply(record(null, user())).valueSchema(), "one schema per table");
    }

    @Test
    void extendedJsonWrappersAreCoercedToo() {
        Map<String, Object> user = new HashMap<>();
        user.put("id", Map.of("$oid", "5ca4bbcea2dd94ee58162a68"));
        user.put("name", "x");
        user.put("birthdate", Map.of("$date", Map.of("$numberLong", "-1000")));
        user.put("age", Map.of("$numberInt", "5"));
        user.put("visits", Map.of("$numberLong", "9007199254740993"));
        user.put("balance", Map.of("$numberDecimal", "10.1"));
        user.put("score", Map.of("$numberDouble", "2.5"));
        Struct row = row(user);
        assertEquals("5ca4bbcea2dd94ee58162a68", row.get("id"));
        assertEquals(new Date(-1000L), row.get("birthdate"));
        assertEquals(5, row.get("age"));
        assertEquals(9007199254740993L, row.get("visits"));
        assertEquals(new BigDecimal("10.10"), row.get("balance"));
        assertEquals(2.5, row.get("score"));
    }

    @Test
    void jsonTextInputIsParsed() {
        Struct row = row("{\"id\": \"a\", \"name\": \"b\", \"birthdate\": \"1969-12-31\", "
                + "\"accounts\": [{\"$numberLong\": \"5\"}, {\"d\": {\"$date\": \"2020-01-01T00:00:00Z\"}}]}");
        assertEquals(new Date(-86_400_000L), row.get("birthdate"));
        assertEquals("[5,{\"d\":\"2020-01-01T00:00:00Z\"}]", row.get("accounts"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "age|not a number|field 'age': expected INT32, got string \"not a number\"",
        "age|3000000000|field 'age': expected INT32, got long 3000000000",
        "age|1.5|field 'age': expected INT32, got double 1.5",
        "score|NaN|field 'score': expected FLOAT64, got double NaN",
        "balance|12345678901.5|field 'balance': expected a value that fits DECIMAL(12,2)",
        "birthdate|tomorrow|field 'birthdate': expected TIMESTAMP, got string \"tomorrow\"",
        "birthdate|0999-01-01|field 'birthdate': expected a TIMESTAMP between years 1000 and 9999",
        "active|maybe|field 'active': expected BOOLEAN, got string \"maybe\"",
    })
    void wrongTypesNameTheFieldTheTypeAndTheValue(String field, String raw, String message) {
        Map<String, Object> user = user();
        Object value = raw;
        if (field.equals("age") && raw.equals("3000000000")) {
            value = 3_000_000_000L;
        } else if (raw.equals("1.5")) {
            value = 1.5;
        } else if (raw.equals("NaN")) {
            value = Double.NaN;
        }
        user.put(field, value);
        configured();
        DataException e = assertThrows(DataException.class, () -> transform.apply(record(null, user)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().startsWith("ApplyTableSchema(users) failed on record [topic=mongo.app.users "
                + "partition=3 offset=42]"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "balance|1e2000000000|(exponent beyond +/-6176, the range of a MongoDB decimal)",
        "balance|-1E-2000000000|(exponent beyond +/-6176, the range of a MongoDB decimal)",
        "visits|1e2000000000|field 'visits': expected INT64, got string \"1e2000000000\"",
        "visits|1e-2000000000|field 'visits': expected INT64, got string \"1e-2000000000\"",
    })
    void hugeExponentsFailAtOnce(String field, String raw, String message) {
        // rescaling 1e2000000000 would need a number of two billion digits: an OutOfMemoryError, not a dead letter
        Map<String, Object> user = user();
        user.put(field, raw);
        DataException e = assertThrows(DataException.class, () -> configured().apply(record(null, user)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void depthLimit() {
        Map<String, Object> user = user();
        Object nested = 1;
        for (int i = 0; i < 20; i++) {
            nested = Map.of("n", nested);
        }
        user.put("accounts", nested);
        DataException e = assertThrows(DataException.class, () -> configured("max.depth", "10").apply(record(null, user)));
        assertTrue(e.getMessage().contains("nesting deeper than max.depth=10"), e.getMessage());
    }

    @Test
    void numbersLongerThanAnyNumberFailAtOnce() {
        // megabytes of digits would take minutes to parse into a BigDecimal
        for (String field : List.of("balance", "visits", "score")) {
            Map<String, Object> user = user();
            user.put(field, "9".repeat(4_000_000));
            DataException e = assertThrows(DataException.class, () -> configured().apply(record(null, user)));
            assertTrue(e.getMessage().contains("field '" + field + "'") && e.getMessage().contains(
                    "got a string of 4000000 characters, longer than any number (at most 400)"), e.getMessage());
        }
    }

    @Test
    void documentsCannotGoIntoScalarColumns() {
        Map<String, Object> user = user();
        user.put("name", Map.of("first", "x"));
        DataException e = assertThrows(DataException.class, () -> configured().apply(record(null, user)));
        assertTrue(e.getMessage().contains("field 'name': expected STRING(100), got document with keys [first]"),
                e.getMessage());
    }

    @Test
    void tooLongStringsFailBeforeTheDatabaseDoes() {
        Map<String, Object> user = user();
        user.put("name", "é".repeat(101));
        DataException e = assertThrows(DataException.class, () -> configured().apply(record(null, user)));
        assertTrue(e.getMessage().contains("expected at most 100 characters for STRING(100), got 101 characters"),
                e.getMessage());
        user.put("name", "é".repeat(100));
        assertEquals(100, ((String) ((Struct) transform.apply(record(null, user)).value()).get("name")).length());
    }

    @Test
    void missingRequiredFieldFails() {
        Map<String, Object> user = user();
        user.remove("name");
        DataException e = assertThrows(DataException.class, () -> configured().apply(record(null, user)));
        assertTrue(e.getMessage().contains("field 'name': missing, but the column is NOT NULL without a DEFAULT"),
                e.getMessage());
    }

    @Test
    void unknownFieldsAreDroppedOrFail() {
        Map<String, Object> user = user();
        user.put("nickname", "liz");
        assertEquals("Elizabeth Ray", row(user).get("name"));
        DataException e = assertThrows(DataException.class,
                () -> configured("unknown.fields", "fail").apply(record(null, user)));
        assertTrue(e.getMessage().contains("not a column of table users (unknown.fields=fail); unknown fields: "
                + "[address.zip, nickname]"), "nested too: only address.city is declared; " + e.getMessage());
        Map<String, Object> known = user();
        known.put("address", Map.of("city", "Vasqueztown"));
        assertEquals("Vasqueztown", ((Struct) configured("unknown.fields", "fail").apply(record(null, known)).value())
                .get("city"), "accounts is read by index and whole: nothing below it is unknown");
    }

    @Test
    void recordsOfOtherTopicsPassUnchanged() {
        SinkRecord other = record("mongo.app.transactions", null, Map.of("x", 1));
        assertSame(other, configured().apply(other));
        SinkRecord matching = record("custom-topic", null, user());
        assertEquals("users", configured("topics", "custom-.*").apply(matching).topic());
        assertEquals("custom-topic", configured("topics", "custom-.*", "route.to.table", "false").apply(matching).topic());
    }

    @Test
    void tombstonesGetTheTypedKey() {
        configured();
        Schema keySchema = SchemaBuilder.struct().name("mongorow.DocumentKey").field("id", Schema.STRING_SCHEMA).build();
        SinkRecord out = transform.apply(Records.record(Records.TOPIC, keySchema, new Struct(keySchema).put("id", "k1"),
                null, null));
        assertNull(out.value());
        assertEquals("k1", ((Struct) out.key()).get("id"));
        assertSame(transform.declaration().keySchema(), out.keySchema());
        assertEquals("k2", ((Struct) transform.apply(record("k2", null)).key()).get("id"));
        assertEquals("k3", ((Struct) transform.apply(record("{\"id\": \"k3\"}", null)).key()).get("id"));
        assertThrows(DataException.class, () -> transform.apply(record(Map.of("other", 1), null)));
        assertThrows(DataException.class, () -> transform.apply(record(null, null)));
    }

    @Test
    void compositePrimaryKeys() {
        transform.configure(props("table", "tx", "columns",
                "account INT64 PRIMARY KEY FROM account_id, seq INT32 PRIMARY KEY, amount DECIMAL(10,2)"));
        SinkRecord out = transform.apply(record("x.tx", null, Map.of("account_id", 7, "seq", 1, "amount", 2)));
        Struct key = (Struct) out.key();
        assertEquals(7L, key.get("account"));
        assertEquals(1, key.get("seq"));
        SinkRecord tombstone = transform.apply(record("x.tx", Map.of("account", "7", "seq", 1), null));
        assertEquals(7L, ((Struct) tombstone.key()).get("account"));
    }

    @Test
    void decimalRoundingIsConfigurable() {
        Map<String, Object> user = user();
        user.put("balance", "1.005");
        assertEquals(new BigDecimal("1.01"), row(user).get("balance"));
        assertEquals(new BigDecimal("1.00"),
                ((Struct) configured("decimal.rounding", "DOWN").apply(record(null, user)).value()).get("balance"));
        assertThrows(DataException.class,
                () -> configured("decimal.rounding", "UNNECESSARY").apply(record(null, user)));
    }

    @Test
    void jsonColumnsRespectTheSizeLimit() {
        Map<String, Object> user = user();
        user.put("accounts", java.util.Collections.nCopies(1000, 123456789));
        DataException e = assertThrows(DataException.class,
                () -> configured("max.bytes", "1000").apply(record(null, user)));
        assertTrue(e.getMessage().contains("field 'accounts': JSON text longer than max.bytes=1000"), e.getMessage());
    }

    @Test
    void inputIsNotModified() {
        Map<String, Object> user = user();
        Map<String, Object> copy = new LinkedHashMap<>(user);
        row(user);
        assertEquals(copy, user);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "id STRING, name FANCY|unknown type 'FANCY' for column 'name'",
        "id STRING, id INT32|column 'id' is declared twice",
        "name STRING|no PRIMARY KEY column and no column named 'id'",
        "id STRING, 9lives INT32|'9lives' is not a valid MySQL identifier",
        "id STRING, amount DECIMAL(70,2)|outside MySQL's limits",
        "id STRING, amount DECIMAL|needs (precision,scale)",
        "id STRING, n INT32 DEFAULT abc|DEFAULT of column 'n' is not a valid INT32",
        "id STRING, n INT32 SOMETIMES|unexpected 'SOMETIMES' in column 'n'",
        "id STRING, n INT32(4)|takes no arguments",
        "id JSON|key column 'id' cannot be JSON",
        "id STRING, s STRING FROM a..b|empty segment in field path",
    })
    void declarationErrorsAreConfigErrors(String columns, String message) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> transform.configure(props("table", "users", "columns", columns)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        // and Connect's validate endpoint sees the same error on the 'columns' key
        assertTrue(ApplyTableSchema.CONFIG_DEF.validate(props("table", "users", "columns", columns)).stream()
                .filter(v -> v.name().equals("columns")).anyMatch(v -> !v.errorMessages().isEmpty()));
    }

    @Test
    void longColumnNamesAreRejected() {
        String name = "c".repeat(65);
        ConfigException e = assertThrows(ConfigException.class,
                () -> transform.configure(props("table", "users", "columns", "id STRING, " + name + " INT32")));
        assertTrue(e.getMessage().contains("longer than MySQL's 64 characters"), e.getMessage());
    }

    @Test
    void declarationLanguageDetails() {
        transform.configure(props("table", "t", "columns",
                "`key` STRING PRIMARY KEY FROM `a.b`.c;\nnote STRING DEFAULT 'it''s, fine' NULL\nflag BOOL NOT NULL DEFAULT 0"));
        SinkRecord out = transform.apply(record("t", null, Map.of("a.b", Map.of("c", "k"))));
        Struct row = (Struct) out.value();
        assertEquals("k", row.get("key"));
        assertEquals("it's, fine", row.get("note"));
        assertEquals(false, row.get("flag"));
    }

    @Test
    void badTopicRegexIsAConfigError() {
        assertThrows(ConfigException.class,
                () -> transform.configure(props("table", "users", "columns", USERS, "topics", "([")));
    }
}

package dev.mongorow.connect.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.mongorow.connect.converters.StrictStringConverter;
import dev.mongorow.connect.transforms.predicates.ChangeOperationIs;

/**
 * Generates docs/transforms.md, the reference of every config key of every transform and predicate (from
 * their ConfigDefs) with one worked example each. The examples are run here: the output shown in the document
 * is what the transform really produced. The test fails when the committed document is out of date; refresh
 * it with {@code mvn -pl connect-transforms test -Dtest=TransformReferenceTest -Dreference.update=true}.
 */
class TransformReferenceTest {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String PII_SECRET_FOR_EXAMPLE = "example-secret-not-for-production";

    /** One documented component and its worked example. */
    private static final class Entry {
        final String alias;
        final Class<?> type;
        final String overview;
        final ConfigDef config;
        final Map<String, String> exampleConfig;
        final String exampleInput;
        final String exampleNote;

        Entry(String alias, Class<?> type, String overview, ConfigDef config, Map<String, String> exampleConfig,
              String exampleInput, String exampleNote) {
            this.alias = alias;
            this.type = type;
            this.overview = overview;
            this.config = config;
            this.exampleConfig = exampleConfig;
            this.exampleInput = exampleInput;
            this.exampleNote = exampleNote;
        }
    }

    private static final String EVENT = "{\"_id\": {\"_data\": \"8265...\"}, \"operationType\": \"update\", "
            + "\"clusterTime\": {\"$timestamp\": {\"t\": 1700000000, \"i\": 1}}, \"ns\": {\"db\": \"app\", \"coll\": \"users\"}, "
            + "\"documentKey\": {\"_id\": {\"$oid\": \"5ca4bbcea2dd94ee58162a68\"}}, "
            + "\"fullDocument\": {\"_id\": {\"$oid\": \"5ca4bbcea2dd94ee58162a68\"}, \"name\": \"Elizabeth Ray\", "
            + "\"email\": \"arroyocolton@gmail.com\", \"address\": {\"city\": \"Vasqueztown\", \"zip\": \"22939\"}, "
            + "\"birthdate\": {\"$date\": {\"$numberLong\": \"-86400000\"}}, \"balance\": {\"$numberDecimal\": \"1234.5\"}, "
            + "\"accounts\": [{\"$numberInt\": \"371138\"}, {\"$numberInt\": \"324287\"}]}, "
            + "\"updateDescription\": {\"updatedFields\": {\"name\": \"Elizabeth Ray\"}, \"removedFields\": []}}";

    private static List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry("row", ChangeEventToRow.class, ChangeEventToRow.OVERVIEW_DOC, ChangeEventToRow.CONFIG_DEF,
                Records.props("metadata.fields", "operation,cluster_time"), EVENT,
                "The value stays schemaless (a map); follow with ApplyTableSchema or FlattenDocument."));
        entries.add(new Entry("users", ApplyTableSchema.class, ApplyTableSchema.OVERVIEW_DOC, ApplyTableSchema.CONFIG_DEF,
                Records.props("table", "users", "columns", "id STRING(24) NOT NULL, name STRING(128) NOT NULL, "
                        + "email STRING(254), city STRING(64) FROM address.city, birthdate TIMESTAMP, "
                        + "balance DECIMAL(12,2) DEFAULT 0, accounts JSON"),
                "{\"id\": \"5ca4bbcea2dd94ee58162a68\", \"name\": \"Elizabeth Ray\", \"email\": \"arroyocolton@gmail.com\", "
                        + "\"address\": {\"city\": \"Vasqueztown\", \"zip\": \"22939\"}, "
                        + "\"birthdate\": {\"$date\": {\"$numberLong\": \"-86400000\"}}, "
                        + "\"balance\": {\"$numberDecimal\": \"1234.5\"}, \"accounts\": [371138, 324287], \"nickname\": \"liz\"}",
                "Input: the output of ChangeEventToRow (shown here as JSON). 'nickname' is not a column and is dropped; "
                        + "timestamps are epoch milliseconds in JsonConverter's output (decimal.format=NUMERIC)."));
        entries.add(new Entry("pii", ProtectFields.Value.class, ProtectFields.OVERVIEW_DOC, ProtectFields.CONFIG_DEF,
                Records.props("hmac.fields", "email", "hmac.secret", "${file:/etc/kafka-connect/secrets/pii.properties:hmac.secret}",
                        "hmac.normalize", "trim_lowercase", "mask.fields", "address.zip", "mask.keep.last", "2",
                        "null.fields", "birthdate"),
                "{\"id\": \"5ca4bbcea2dd94ee58162a68\", \"email\": \"ArroyoColton@gmail.com\", "
                        + "\"address\": {\"city\": \"Vasqueztown\", \"zip\": \"22939\"}, \"birthdate\": \"1969-12-31\"}",
                "The worker resolves the ${file:...} placeholder through its FileConfigProvider; this example ran with a "
                        + "throw-away secret."));
        entries.add(new Entry("flatten", FlattenDocument.Value.class, FlattenDocument.OVERVIEW_DOC,
                FlattenDocument.CONFIG_DEF, Records.props("json.fields", "tier_and_details"),
                "{\"id\": \"5ca4bbcea2dd94ee58162a68\", \"address\": {\"city\": \"Vasqueztown\", \"geo\": {\"lat\": 1.5}}, "
                        + "\"accounts\": [371138, 324287], \"tier_and_details\": {\"0df0\": {\"tier\": \"Bronze\"}}, "
                        + "\"first-name\": \"Elizabeth\"}",
                "The schema is inferred from the values and cached per shape of document."));
        entries.add(new Entry("check", CheckMongoDocument.class, CheckMongoDocument.OVERVIEW_DOC,
                CheckMongoDocument.CONFIG_DEF, Records.props(),
                "{\"_id\": \"tx-1\", \"kind\": \"buy\", \"amount\": {\"$numberInt\": \"5\"}}",
                "The first transform of the MongoDB sink (mongo-sink.json): raw records pass unchanged, as text. A key "
                        + "{\"_id\": [1, 2]} fails with `CheckMongoDocument failed on record [topic=raw.transactions "
                        + "partition=0 offset=7]: key: _id is an array, which MongoDB refuses as a document id: ...`, a value "
                        + "{\"$set\": ...} with `top-level field '$set' starts with '$', which MongoDB refuses in a "
                        + "replacement document`."));
        entries.add(new Entry("isDelete", ChangeOperationIs.class, ChangeOperationIs.OVERVIEW_DOC,
                ChangeOperationIs.CONFIG_DEF, Records.props("operations", "delete"),
                "{\"_id\": {\"_data\": \"8265...\"}, \"operationType\": \"delete\", \"documentKey\": {\"_id\": 7}}",
                "Used as `transforms.<alias>.predicate=isDelete` (with `predicates=isDelete`, "
                        + "`predicates.isDelete.type=...`), e.g. to send deletes through a different chain."));
        return entries;
    }

    @Test
    void referenceIsUpToDate() throws Exception {
        String generated = render();
        Path file = Path.of(System.getProperty("reference.file", "../docs/transforms.md"));
        if (Boolean.getBoolean("reference.update")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, generated, StandardCharsets.UTF_8);
        }
        String committed = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        assertEquals(generated, committed, file + " is out of date; regenerate it with "
                + "mvn -pl connect-transforms test -Dtest=TransformReferenceTest -Dreference.update=true");
    }

    private static String render() throws Exception {
        StringBuilder md = new StringBuilder();
        md.append("# Transform and predicate reference\n\n");
        md.append("<!-- Generated by connect-transforms/src/test/java/dev/mongorow/connect/transforms/TransformReferenceTest.java"
                + " from the ConfigDefs. Do not edit by hand. -->\n\n");
        md.append("All classes are in the plugin folder `mongorow-transforms` and are found with "
                + "`plugin.discovery=service_load`. Every failure is a `DataException` that names the record "
                + "(topic, partition, offset), the field path, the expected type and the value, so with "
                + "`errors.tolerance=all` and a dead-letter topic, bad records are set aside with a readable reason.\n\n");
        for (Entry entry : entries()) {
            md.append("- [").append(simpleName(entry.type)).append("](#").append(anchor(entry.type)).append(")\n");
        }
        md.append("- [StrictStringConverter](#strictstringconverter) (a converter)\n");
        md.append('\n');
        for (Entry entry : entries()) {
            md.append("## ").append(simpleName(entry.type)).append("\n\n");
            md.append("`").append(entry.type.getName().replace('$', '$')).append("`\n\n");
            md.append(entry.overview.replace("<code>", "`").replace("</code>", "`")).append("\n\n");
            md.append("| key | type | default | valid values | importance | description |\n");
            md.append("|---|---|---|---|---|---|\n");
            for (ConfigDef.ConfigKey key : entry.config.configKeys().values()) {
                md.append("| `").append(key.name).append("` | ").append(key.type.toString().toLowerCase())
                        .append(" | ").append(defaultText(key)).append(" | ")
                        .append(key.validator == null ? "" : cell(key.validator.toString())).append(" | ")
                        .append(key.importance.toString().toLowerCase()).append(" | ")
                        .append(cell(key.documentation)).append(" |\n");
            }
            md.append("\n### Example\n\n");
            md.append(example(entry));
        }
        md.append(converter());
        return md.toString();
    }

    /** The converter: its overview, its keys (Connect's own converter.type only) and a real failure. */
    private static String converter() {
        StringBuilder md = new StringBuilder("## StrictStringConverter\n\n`")
                .append(StrictStringConverter.class.getName()).append("`\n\n")
                .append(StrictStringConverter.OVERVIEW_DOC).append("\n\n")
                .append("Config keys: none of its own (Connect passes `converter.type`).\n\n### Example\n\n")
                .append("Connector config (fragment):\n\n```json\n{\n  \"key.converter\" : \"")
                .append(StrictStringConverter.class.getName()).append("\",\n  \"value.converter\" : \"")
                .append(StrictStringConverter.class.getName()).append("\"\n}\n```\n\n");
        StrictStringConverter converter = new StrictStringConverter();
        converter.configure(Map.of(), false);
        byte[] bytes = "{\"name\": \"am\u00e9lie\"}".getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 6] = 0x28; // C3 A9 (é) becomes C3 28: a lead byte without its continuation
        try {
            converter.toConnectData("raw.users", bytes);
            throw new AssertionError("invalid UTF-8 was accepted");
        } catch (org.apache.kafka.connect.errors.DataException e) {
            md.append("A value whose bytes are `").append(java.util.HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes))
                    .append("` fails with:\n\n```\n").append(e.getMessage()).append("\n```\n");
        }
        return md.toString();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static String example(Entry entry) throws Exception {
        String kind = Predicate.class.isAssignableFrom(entry.type) ? "predicates" : "transforms";
        Map<String, String> connectorConfig = new LinkedHashMap<>();
        connectorConfig.put(kind, entry.alias);
        connectorConfig.put(kind + "." + entry.alias + ".type", entry.type.getName());
        for (Map.Entry<String, String> e : entry.exampleConfig.entrySet()) {
            connectorConfig.put(kind + "." + entry.alias + "." + e.getKey(), e.getValue());
        }
        Map<String, String> runConfig = new LinkedHashMap<>(entry.exampleConfig);
        runConfig.replaceAll((k, v) -> v.startsWith("${file:") ? PII_SECRET_FOR_EXAMPLE : v);

        StringBuilder md = new StringBuilder();
        md.append("Connector config (fragment):\n\n```json\n").append(PRETTY.writeValueAsString(connectorConfig))
                .append("\n```\n\n");
        Object input = entry.type == ChangeEventToRow.class || entry.type == ChangeOperationIs.class
                || entry.type == CheckMongoDocument.class
                ? entry.exampleInput : new ObjectMapper().readValue(entry.exampleInput, Map.class);
        if (entry.type == ApplyTableSchema.class || entry.type == ProtectFields.Value.class) {
            // realistic input: what ChangeEventToRow hands on, with Extended JSON already decoded
            input = dev.mongorow.connect.transforms.internal.ExtendedJson.parseDocument(entry.exampleInput,
                    dev.mongorow.connect.transforms.internal.Limits.DEFAULT);
        }
        SinkRecord record = new SinkRecord("mongo.app.users", 0, null, null, null, input, 0);
        md.append("Input value:\n\n```json\n").append(PRETTY.writeValueAsString(PRETTY.readTree(entry.exampleInput)))
                .append("\n```\n\n");
        if (Predicate.class.isAssignableFrom(entry.type)) {
            Predicate<SinkRecord> predicate = (Predicate<SinkRecord>) entry.type.getDeclaredConstructor().newInstance();
            predicate.configure(runConfig);
            md.append("Result: `").append(predicate.test(record)).append("`\n\n");
        } else {
            Transformation<SinkRecord> transform = (Transformation) entry.type.getDeclaredConstructor().newInstance();
            transform.configure(runConfig);
            SinkRecord out = transform.apply(record);
            md.append("Output (topic `").append(out.topic()).append("`), as JsonConverter (schemas.enable=false, decimal.format=NUMERIC) writes it:\n\n");
            md.append("```json\n{\n  \"key\": ").append(indent(toJson(out.keySchema(), out.key())))
                    .append(",\n  \"value\": ").append(indent(toJson(out.valueSchema(), out.value()))).append("\n}\n```\n\n");
            if (out.valueSchema() != null) {
                md.append("Value schema: ").append(out.valueSchema().fields().stream()
                        .map(f -> "`" + f.name() + "` " + typeText(f.schema()))
                        .collect(Collectors.joining(", "))).append(".\n\n");
            }
            transform.close();
        }
        md.append(entry.exampleNote).append("\n\n");
        return md.toString();
    }

    private static String typeText(org.apache.kafka.connect.data.Schema schema) {
        String type = schema.name() != null ? schema.name() : schema.type().getName();
        return type + (schema.isOptional() ? " (optional)" : "");
    }

    private static String toJson(org.apache.kafka.connect.data.Schema schema, Object value) throws IOException {
        if (value == null) {
            return "null";
        }
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false", "converter.type", "value", "decimal.format", "NUMERIC"));
        if (schema == null && value instanceof Map) {
            value = jsonSafe(value);
        }
        byte[] bytes = converter.fromConnectData("t", schema, value);
        return PRETTY.writeValueAsString(PRETTY.readTree(bytes));
    }

    /** Schemaless values may hold Date or BigDecimal, which JsonConverter cannot infer: show them as text. */
    private static Object jsonSafe(Object value) {
        if (value instanceof Map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            ((Map<?, ?>) value).forEach((k, v) -> copy.put(String.valueOf(k), jsonSafe(v)));
            return copy;
        }
        if (value instanceof List) {
            return ((List<?>) value).stream().map(TransformReferenceTest::jsonSafe).collect(Collectors.toList());
        }
        if (value instanceof java.util.Date) {
            return "Date(" + ((java.util.Date) value).toInstant() + ")";
        }
        if (value instanceof java.math.BigDecimal) {
            return "Decimal(" + ((java.math.BigDecimal) value).toPlainString() + ")";
        }
        return value;
    }

    private static String indent(String json) {
        return json.replace("\n", "\n  ");
    }

    private static String defaultText(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        Object value = key.defaultValue;
        if (value == null) {
            return "null";
        }
        String text = value instanceof List ? String.join(",", (List<String>) (List<?>) value) : value.toString();
        return text.isEmpty() ? "\"\"" : "`" + text + "`";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    private static String simpleName(Class<?> type) {
        return type.getName().substring(type.getPackageName().length() + 1).replace('$', '.');
    }

    private static String anchor(Class<?> type) {
        return simpleName(type).toLowerCase().replace(".", "");
    }
}

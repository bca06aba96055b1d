package dev.mongorow.connect.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * All 500 customers of MongoDB's sample_analytics dataset through the chain a users sink runs
 * (ChangeEventToRow -> ApplyTableSchema -> ProtectFields), each checked against values derived independently
 * from the exported canonical Extended JSON with Jackson.
 */
class SampleCustomersTest {
    static final String USERS_COLUMNS = "id STRING(24) NOT NULL, username STRING(64) NOT NULL, name STRING(128) NOT NULL, "
            + "address STRING(255), birthdate TIMESTAMP, email STRING(64), active BOOLEAN NOT NULL DEFAULT false, "
            + "accounts JSON, tier_and_details JSON";
    private static final String SECRET = "sample-test-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> lines;

    @BeforeAll
    static void load() throws IOException {
        lines = Files.readAllLines(datasets().resolve("sample_analytics/customers.json"), StandardCharsets.UTF_8);
    }

    static Path datasets() {
        String dir = System.getProperty("datasets.dir");
        Path path = dir != null ? Path.of(dir) : Path.of("../datasets");
        assertTrue(Files.isDirectory(path), "datasets folder not found at " + path.toAbsolutePath());
        return path;
    }

    /** The change event the MongoSourceConnector publishes for an insert of {@code document}. */
    static String insertEvent(String document) throws IOException {
        JsonNode id = JSON.readTree(document).get("_id");
        return "{\"_id\": {\"_data\": \"826\"}, \"operationType\": \"insert\", "
                + "\"clusterTime\": {\"$timestamp\": {\"t\": 1700000000, \"i\": 1}}, "
                + "\"ns\": {\"db\": \"sample_analytics\", \"coll\": \"customers\"}, "
                + "\"documentKey\": {\"_id\": " + JSON.writeValueAsString(id) + "}, \"fullDocument\": " + document + "}";
    }

    @Test
    void everyCustomerLandsWithExactValues() throws Exception {
        assertEquals(500, lines.size());
        ChangeEventToRow<SinkRecord> toRow = new ChangeEventToRow<>();
        toRow.configure(Map.of());
        ApplyTableSchema<SinkRecord> schema = new ApplyTableSchema<>();
        schema.configure(Map.of("table", "users", "columns", USERS_COLUMNS, "topics", "mongo\\..*"));
        ProtectFields<SinkRecord> pii = new ProtectFields.Value<>();
        pii.configure(Map.of("hmac.fields", "email", "hmac.secret", SECRET));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));

        int preEpoch = 0;
        int withoutActive = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            SinkRecord in = new SinkRecord("mongo.sample_analytics.customers", 0, null, "{}", null, insertEvent(line), i);
            SinkRecord out = pii.apply(schema.apply(toRow.apply(in)));
            Struct row = (Struct) out.value();
            JsonNode doc = JSON.readTree(line);

            String id = doc.at("/_id/$oid").asText();
            long birth = Long.parseLong(doc.at("/birthdate/$date/$numberLong").asText());
            StringBuilder accounts = new StringBuilder("[");
            for (JsonNode account : doc.get("accounts")) {
                accounts.append(accounts.length() > 1 ? "," : "").append(Long.parseLong(account.get("$numberInt").asText()));
            }
            accounts.append(']');
            String email = HexFormat.of().formatHex(mac.doFinal(doc.get("email").asText().getBytes(StandardCharsets.UTF_8)));

            check(failures, i, "key", id, ((Struct) out.key()).get("id"));
            check(failures, i, "id", id, row.get("id"));
            check(failures, i, "username", doc.get("username").asText(), row.get("username"));
            check(failures, i, "name", doc.get("name").asText(), row.get("name"));
            check(failures, i, "address", doc.get("address").asText(), row.get("address"));
            check(failures, i, "birthdate", birth, ((java.util.Date) row.get("birthdate")).getTime());
            check(failures, i, "email", email, row.get("email"));
            check(failures, i, "active", doc.has("active") && doc.get("active").asBoolean(), row.get("active"));
            check(failures, i, "accounts", accounts.toString(), row.get("accounts"));
            check(failures, i, "tier_and_details", doc.get("tier_and_details"), JSON.readTree((String) row.get("tier_and_details")));
            check(failures, i, "topic", "users", out.topic());
            preEpoch += birth < 0 ? 1 : 0;
            withoutActive += doc.has("active") ? 0 : 1;
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches, first: " + failures.subList(0, Math.min(5, failures.size())));
        assertTrue(preEpoch > 0, "the sample holds birthdates before 1970, and they were checked");
        assertTrue(withoutActive > 0, "the sample holds customers without 'active', and the default was checked");
    }

    @Test
    void firstCustomerSpotCheck() throws Exception {
        ChangeEventToRow<SinkRecord> toRow = new ChangeEventToRow<>();
        toRow.configure(Map.of());
        ApplyTableSchema<SinkRecord> schema = new ApplyTableSchema<>();
        schema.configure(Map.of("table", "users", "columns", USERS_COLUMNS, "topics", ".*"));
        Struct row = (Struct) schema.apply(toRow.apply(new SinkRecord("c", 0, null, null, null,
                insertEvent(lines.get(0)), 0))).value();
        assertEquals("5ca4bbcea2dd94ee58162a68", row.get("id"));
        assertEquals(Instant.parse("1977-03-02T02:20:31Z"), ((java.util.Date) row.get("birthdate")).toInstant());
        assertEquals("9286 Bethany Glens\nVasqueztown, CO 22939", row.get("address"));
        assertEquals("[371138,324287,276528,332179,422649,387979]", row.get("accounts"));
        assertEquals("{\"0df078f33aa74a2e9696e0520c1a828a\":{\"tier\":\"Bronze\",\"id\":\"0df078f33aa74a2e9696e0520c1a828a\","
                + "\"active\":true,\"benefits\":[\"sports tickets\"]},\"699456451cc24f028d2aa99d7534c219\":{\"tier\":\"Bronze\","
                + "\"benefits\":[\"24 hour dedicated line\",\"concierge services\"],\"active\":true,"
                + "\"id\":\"699456451cc24f028d2aa99d7534c219\"}}", row.get("tier_and_details"));
        assertNotNull(row.get("email"));
    }

    private static void check(List<String> failures, int line, String field, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            failures.add("line " + (line + 1) + " " + field + ": expected " + expected + " got " + actual);
        }
    }
}

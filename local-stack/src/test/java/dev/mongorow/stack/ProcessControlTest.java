package dev.mongorow.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stop path of a process that ignores SIGTERM: a thread dump in its log, then SIGKILL. Real processes. */
class ProcessControlTest {

    /** A JVM whose shutdown hook never returns, as a worker stuck in its shutdown would. */
    public static final class HangsOnSigterm {
        public static void main(String[] args) throws Exception {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stuck-shutdown-hook"));
            System.out.println("ready");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void aProcessThatWillNotStopLeavesAThreadDumpThenIsKilled(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("hang.log");
        Process p = ProcessControl.launch(List.of(Component.javaBinary(), "-Xmx32m", "-cp",
                System.getProperty("java.class.path"), HangsOnSigterm.class.getName()), tmp, log, Map.of());
        ProcessHandle h = p.toHandle();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains("ready")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        try {
            assertFalse(ProcessControl.terminate(h, Duration.ofSeconds(2)), "the hook holds the JVM after SIGTERM");
            assertTrue(ProcessControl.requestThreadDump(h));
            String dump = Files.readString(log);
            assertTrue(dump.contains("Full thread dump") && dump.contains("\"stuck-shutdown-hook\""), dump);
            assertTrue(ProcessControl.kill(h, Duration.ofSeconds(10)));
            assertFalse(h.isAlive());
        } finally {
            h.destroyForcibly();
        }
    }

    @Test
    void noThreadDumpIsAskedOfAProcessThatIsNotAJvm(@TempDir Path tmp) throws Exception {
        Process p = ProcessControl.launch(List.of("sleep", "60"), tmp, tmp.resolve("sleep.log"), Map.of());
        try {
            assertFalse(ProcessControl.requestThreadDump(p.toHandle()));
            assertTrue(p.toHandle().isAlive(), "SIGQUIT would have killed sleep");
        } finally {
            p.destroyForcibly();
        }
    }
}

package dev.mongorow.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * One part of the stack: a separate OS process we start (or an external service we only check).
 *
 * <p>A component object holds no process state of its own: the pid file under {@code run/} is the
 * truth, so a {@code LocalStack} built in another JVM (e.g. {@code pipeline down} after {@code pipeline
 * up}) controls the same processes.
 */
public abstract class Component {

    /** What {@code status} reports for a component. */
    public enum State {
        /** Process alive and its readiness check passes. */
        UP,
        /** Process alive, readiness check fails (starting, or unhealthy). */
        STARTING,
        /** Not running, and stopped cleanly (no pid file). */
        DOWN,
        /** Not running but its pid file is still there: it crashed or was killed. */
        DEAD,
        /** An external service that answers its readiness check. */
        EXTERNAL_UP,
        /** An external service that does not answer. */
        EXTERNAL_DOWN;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    protected final String name;
    protected final StackConfig config;
    protected final StackLayout layout;
    volatile Progress progress;
    /** Set by LocalStack: folders, generated configs and secrets, before any start. */
    volatile java.util.concurrent.Callable<Void> homePreparer = () -> null;

    protected Component(String name, StackConfig config, StackLayout layout, Progress progress) {
        this.name = name;
        this.config = config;
        this.layout = layout;
        this.progress = progress;
    }

    public String name() { return name; }

    /** The main TCP port, or -1 for an external service. */
    public abstract int port();

    public abstract boolean external();

    /** host:port or an external address without credentials, for people. */
    public abstract String endpoint();

    public Path logFile() { return layout.logFile(name); }

    public Path pidFile() { return layout.pidFile(name); }

    /** Extra words for the "starting" line. */
    protected String startingDetail() { return ""; }

    protected abstract List<String> command() throws IOException;

    protected Map<String, String> environment() { return Map.of(); }

    /** Writes configuration, formats storage, ... before each start. */
    protected void prepare() throws Exception { }

    /** One readiness check; throws with a reason if not ready. */
    protected abstract void probe() throws Exception;

    protected Duration stopTimeout() { return config.stopTimeout(); }

    protected List<String> markers() {
        return ProcessControl.markers(layout.home(), name);
    }

    /** The pid in the pid file, whether or not that process still runs. */
    public Optional<Long> recordedPid() {
        return ProcessControl.readPid(pidFile());
    }

    /** Our live process, if any. */
    public Optional<ProcessHandle> process() {
        return recordedPid().flatMap(pid -> ProcessControl.ours(pid, markers()));
    }

    /** The full command line of our running process (for checks that flags are set and no secret is on it); empty if not running. */
    public List<String> commandLine() {
        return process().map(ProcessControl::commandLine).orElse(List.of());
    }

    public boolean isRunning() {
        return process().isPresent();
    }

    public boolean isReady() {
        try {
            probe();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    public State state() {
        if (external()) {
            return isReady() ? State.EXTERNAL_UP : State.EXTERNAL_DOWN;
        }
        if (isRunning()) {
            return isReady() ? State.UP : State.STARTING;
        }
        return Files.exists(pidFile()) ? State.DEAD : State.DOWN;
    }

    /** Starts the component if it is not running, and waits until it is ready. */
    public void start() {
        start(() -> false);
    }

    /**
     * @return true if this call launched a process (false: external, or already running)
     */
    boolean start(BooleanSupplier aborted) {
        long t0 = System.nanoTime();
        if (external()) {
            progress.line(name, "external " + endpoint() + ", checking");
            awaitReady(null, null, t0, aborted);
            progress.line(name, "ready in " + seconds(t0));
            return false;
        }
        Optional<ProcessHandle> running = process();
        if (running.isPresent()) {
            progress.line(name, "already running (pid " + running.get().pid() + ")");
            awaitReady(running.get(), null, t0, aborted);
            progress.line(name, "ready in " + seconds(t0));
            return false;
        }
        for (int p : portsToBind()) {
            if (!Ports.isFree(p)) {
                throw failure("port " + p + " on 127.0.0.1 is in use by another process", false);
            }
        }
        if (aborted.getAsBoolean()) {
            progress.line(name, "not started: start aborted");
            throw new StackException(name + ": start aborted");
        }
        Process process;
        try {
            homePreparer.call();
            Files.createDirectories(layout.runDir());
            Files.deleteIfExists(pidFile());
            prepare();
            String detail = startingDetail();
            progress.line(name, "starting (port " + port() + (detail.isEmpty() ? "" : ", " + detail)
                    + ", log " + StackLayout.display(logFile()) + ")");
            Files.createDirectories(logFile().getParent());
            Files.writeString(logFile(), "==== " + name + " starting at " + java.time.Instant.now() + " ====\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            process = ProcessControl.launch(command(), layout.home(), logFile(), environment());
            ProcessControl.writePid(pidFile(), process.pid());
        } catch (StackException e) {
            throw e;
        } catch (Exception e) {
            throw failure("cannot start: " + e.getMessage(), true);
        }
        try {
            awaitReady(process.toHandle(), process, t0, aborted);
        } catch (RuntimeException e) {
            // a process that did not become ready must not stay behind
            if (process.isAlive()) {
                if (!ProcessControl.terminate(process.toHandle(), Duration.ofSeconds(15))) {
                    ProcessControl.kill(process.toHandle(), Duration.ofSeconds(5));
                }
                progress.line(name, (aborted.getAsBoolean() ? "start aborted" : "not ready") + ": process "
                        + process.pid() + " stopped");
            }
            cleanUpAfterExit();
            throw e;
        }
        progress.line(name, "ready in " + seconds(t0) + " (pid " + process.pid() + ")");
        return true;
    }

    /** Ports this component's process will bind: checked free before it starts. */
    protected List<Integer> portsToBind() {
        return List.of(port());
    }

    private void awaitReady(ProcessHandle handle, Process child, long t0, BooleanSupplier aborted) {
        long deadline = t0 + config.startTimeout().toNanos();
        String lastReason = "no answer yet";
        while (true) {
            if (aborted.getAsBoolean()) {
                throw new StackException(name + ": start aborted");
            }
            if (handle != null && !handle.isAlive()) {
                String code = child != null ? " with code " + child.exitValue() : "";
                throw failure("process exited during start-up" + code, true);
            }
            try {
                probe();
                return;
            } catch (Exception e) {
                lastReason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw failure("not ready after " + config.startTimeout().toSeconds() + "s: " + lastReason, handle != null);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException(name + ": interrupted while waiting for readiness");
            }
        }
    }

    /** Waits until ready (for a component started elsewhere, e.g. after a restart in a fault test). */
    public void awaitReady() {
        awaitReady(process().orElse(null), null, System.nanoTime(), () -> false);
    }

    /** SIGTERM, a bounded wait, then SIGKILL with a message. Does nothing if not running. */
    public void stop() {
        if (external()) {
            return;
        }
        Optional<ProcessHandle> h = process();
        if (h.isEmpty()) {
            cleanUpAfterExit();
            return;
        }
        long t0 = System.nanoTime();
        progress.line(name, "stopping (pid " + h.get().pid() + ")");
        if (ProcessControl.terminate(h.get(), stopTimeout())) {
            progress.line(name, "stopped in " + seconds(t0));
        } else {
            String dump = ProcessControl.requestThreadDump(h.get()) ? ", thread dump in " + logFile() : "";
            ProcessControl.kill(h.get(), Duration.ofSeconds(10));
            progress.line(name, "did not stop within " + stopTimeout().toSeconds() + "s" + dump + ": killed (SIGKILL)");
        }
        cleanUpAfterExit();
    }

    /**
     * SIGKILL to the process and its children, as a crash would. The pid file stays, so {@code status}
     * reports the component as dead until it is started again.
     */
    public void kill() {
        if (external()) {
            throw new UnsupportedOperationException(name + " is external");
        }
        Optional<ProcessHandle> h = process();
        if (h.isPresent()) {
            progress.line(name, "killing (SIGKILL, pid " + h.get().pid() + ")");
            if (!ProcessControl.kill(h.get(), Duration.ofSeconds(10))) {
                throw new StackException(name + ": still alive 10s after SIGKILL");
            }
            progress.line(name, "killed");
        }
    }

    public void restart() {
        stop();
        start();
    }

    protected void cleanUpAfterExit() {
        try {
            Files.deleteIfExists(pidFile());
        } catch (IOException ignored) {
            // best effort
        }
    }

    protected StackException failure(String reason, boolean withLog) {
        StringBuilder sb = new StringBuilder(name).append(": ").append(reason);
        if (withLog) {
            // only this start's lines: after the last separator written before launching
            List<String> tail = ProcessControl.tail(logFile(), 400);
            for (int i = tail.size() - 1; i >= 0; i--) {
                if (tail.get(i).startsWith("==== " + name + " starting at ")) {
                    tail = tail.subList(i + 1, tail.size());
                    break;
                }
            }
            tail = tail.subList(Math.max(0, tail.size() - 25), tail.size());
            if (!tail.isEmpty()) {
                sb.append("\n  last lines of ").append(StackLayout.display(logFile())).append(':');
                for (String l : tail) {
                    sb.append("\n    ").append(l);
                }
            }
        }
        return new StackException(sb.toString());
    }

    // ---- helpers for subclasses -------------------------------------------------------------------

    static String seconds(long t0) {
        return String.format(Locale.ROOT, "%.1fs", (System.nanoTime() - t0) / 1e9);
    }

    protected static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** JVM flags of Kafka's own start scripts (KAFKA_JVM_PERFORMANCE_OPTS), plus exit on OOM. */
    protected static List<String> serverJvmFlags(String heap) {
        return List.of("-Xmx" + heap, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
                "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true");
    }

    protected List<String> java(List<String> jvmFlags, String classpath, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(jvmFlags);
        cmd.addAll(markers());
        cmd.add("-Dlog4j2.configurationFile=" + layout.log4jConfig());
        cmd.add("-Dfile.encoding=UTF-8");
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    @Override
    public String toString() {
        return name + "(" + endpoint() + ")";
    }
}

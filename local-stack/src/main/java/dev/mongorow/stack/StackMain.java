package dev.mongorow.stack;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Command line of the local stack, run by the {@code pipeline} script:
 * {@code StackMain up|down|status [--option value ...]}.
 *
 * <p>{@code up} starts every component as a detached background process, waits until all are ready and
 * returns (exit 0), or prints why a component failed with the end of its log, stops what it started
 * and exits 1. {@code down} stops everything (exit 0). {@code status} prints components, connectors,
 * table rows and dead-letter counts, and exits 0 if every component is up, 1 otherwise.
 * Usage errors exit 2.
 */
public final class StackMain {
    private StackMain() { }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.out, System.err, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("pipeline: " + e.getMessage());
            System.err.println("run with --help for the options");
            code = 2;
        }
        System.exit(code);
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage(out);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                usage(out);
                return 0;
            }
        }
        Map<String, String> flags = parseFlags(args, 1);
        StackConfig config = StackConfig.resolve(flags, env, Path.of(".pipeline"));
        // before any Kafka or MongoDB client class logs: their chatter goes to logs/launcher.log
        System.setProperty("log4j2.configurationFile", new StackLayout(config.home()).launcherLog4jConfig().toString());
        switch (command) {
            case "up":
                return up(config, out);
            case "down":
                LocalStack.create(config, Progress.to(out)).stop();
                return 0;
            case "status":
                return status(config, out);
            default:
                throw new IllegalArgumentException("unknown command '" + command + "'");
        }
    }

    /** {@code --key value}, {@code --key=value}, and switches ({@code --secure}) alone, from {@code args[from]} on. */
    static Map<String, String> parseFlags(String[] args, int from) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (isSwitch(key) && (i + 1 >= args.length || !isBooleanWord(args[i + 1]))) {
                value = "true"; // --secure alone
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("option --" + key + " needs a value");
            }
            flags.put(key, value);
        }
        return flags;
    }

    private static boolean isSwitch(String key) {
        StackConfig.Option o = StackConfig.Option.byKey(key);
        return o != null && o.isSwitch();
    }

    private static boolean isBooleanWord(String s) {
        return s.matches("(?i)true|false|yes|no|on|off|1|0");
    }

    private static int up(StackConfig config, PrintStream out) {
        LocalStack stack = LocalStack.create(config, Progress.to(out));
        Thread onInterrupt = new Thread(() -> {
            out.println("[stack] interrupted: stopping what this start launched");
            stack.abortStart(Duration.ofSeconds(90));
        }, "stack-interrupt");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            stack.start();
        } catch (StackException e) {
            out.println("[stack] up FAILED:");
            e.getMessage().lines().forEach(l -> out.println("  " + l));
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
        out.println("[stack] Kafka       " + stack.kafkaBootstrapServers());
        for (ConnectWorker w : stack.connectWorkers()) {
            out.println("[stack] Connect     " + w.restUrl() + (config.secure() ? " (basic auth: users in "
                    + StackLayout.display(stack.secretsDir().resolve(SecureMaterial.CONNECT_REST_USERS)) + ")" : ""));
        }
        if (config.secure()) {
            out.println("[stack] secure mode: Kafka SASL_SSL + SCRAM-SHA-512 only (client settings for tools: "
                    + StackLayout.display(stack.secretsDir().resolve(SecureMaterial.KAFKA_CLIENT)) + "), TLS on MariaDB"
                    + (config.mongoExternal() ? "" : " and MongoDB") + ", development CA "
                    + StackLayout.display(stack.secretsDir().resolve(SecureMaterial.CA_CERT)));
        }
        out.println("[stack] MySQL       " + Secrets.mysqlApp(stack.secretsDir()).url()
                + " (users and passwords in " + StackLayout.display(stack.secretsDir()) + ")");
        out.println("[stack] MongoDB     " + stack.mongodb().endpoint());
        out.println("[stack] logs in " + StackLayout.display(stack.layout().logsDir()) + ", stop with: ./pipeline down");
        return 0;
    }

    private static int status(StackConfig config, PrintStream out) {
        StackLayout layout = new StackLayout(config.home());
        if (!java.nio.file.Files.isDirectory(layout.runDir())) {
            out.println("no stack in " + StackLayout.display(layout.home()) + " (start one with: ./pipeline up)");
            return 1;
        }
        StackStatus s = LocalStack.create(config, Progress.silent()).status();
        out.print(s.render());
        return s.allUp() ? 0 : 1;
    }

    static void usage(PrintStream out) {
        out.println("usage: StackMain up|down|status [options]   (normally run as ./pipeline up|down|status)");
        out.println();
        out.println("  up       start Kafka (KRaft), Connect worker(s), MariaDB and MongoDB in the background, wait until ready");
        out.println("  down     stop them: Connect, then MongoDB and MariaDB, then Kafka");
        out.println("  status   components, connectors and tasks, rows per MySQL table, dead-letter counts");
        out.println();
        out.println("options (flag, or environment variable; 'up' remembers them in <home>/run/stack.properties):");
        for (StackConfig.Option o : StackConfig.Option.values()) {
            out.printf("  %-26s %-30s %s%n", o.flag() + (o.isSwitch() ? " [true|false]" : " VALUE"), o.envName(), o.help);
        }
        out.println();
        out.println("an external MySQL/MariaDB takes its user and password from the URL (user=, password=) or from");
        out.println("PIPELINE_MYSQL_USER / PIPELINE_MYSQL_PASSWORD.");
    }
}

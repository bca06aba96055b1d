package dev.mongorow.stack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Formats the broker's storage like {@code kafka-storage.sh format --add-scram ...}, with the SCRAM users'
 * passwords read from the secrets file instead of taken from the command line (where any local user could
 * read them in the process list). Runs in its own JVM with the stack's class path:
 *
 * <pre>KafkaStorageFormat CLUSTER_ID SERVER_PROPERTIES [SCRAM_USERS_FILE]</pre>
 *
 * The users file is {@link SecureMaterial#KAFKA_USERS}: every {@code <user>.password} becomes a
 * {@code SCRAM-SHA-512} credential in the bootstrap metadata, the only way to have SCRAM users on a KRaft
 * cluster whose every listener already requires SCRAM.
 */
public final class KafkaStorageFormat {
    private KafkaStorageFormat() { }

    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: KafkaStorageFormat CLUSTER_ID SERVER_PROPERTIES [SCRAM_USERS_FILE]");
            System.exit(2);
        }
        List<String> cmd = new ArrayList<>(List.of("format", "-t", args[0], "-c", args[1]));
        if (args.length == 3) {
            Properties users = Secrets.read(Path.of(args[2]));
            for (String user : SecureMaterial.KAFKA_USER_NAMES) {
                String pw = users.getProperty(user + ".password");
                if (pw == null || !pw.matches("[A-Za-z0-9]+")) {
                    System.err.println("KafkaStorageFormat: no usable password for SCRAM user " + user + " in " + args[2]);
                    System.exit(1);
                }
                cmd.add("--add-scram");
                cmd.add(SecureMaterial.SCRAM_MECHANISM + "=[name=" + user + ",password=" + pw + "]");
            }
        }
        int code = kafka.tools.StorageTool.execute(cmd.toArray(new String[0]), System.out);
        System.out.flush();
        System.exit(code);
    }
}

package dev.mongorow.stack;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * MongoDB: the project's emulator ({@code dev.mongorow.emulator.MongoEmulatorMain}, mongo-java-server
 * behind our fidelity layer, presenting itself as replica set {@code rs0}) with a persistent data folder,
 * or a real {@code mongod} replica set given by URI (then nothing is started). Ready when the
 * {@code hello} command answers.
 */
public final class MongoDb extends Component {

    public static final String NAME = "mongodb";
    public static final String EMULATOR_MAIN = "dev.mongorow.emulator.MongoEmulatorMain";

    MongoDb(StackConfig config, StackLayout layout, Progress progress) {
        super(NAME, config, layout, progress);
    }

    @Override
    public int port() {
        return config.mongoExternal() ? -1 : config.mongodbPort();
    }

    @Override
    public boolean external() {
        return config.mongoExternal();
    }

    @Override
    public String endpoint() {
        return external() ? StackConfig.redact(config.externalMongoUri()) : "127.0.0.1:" + port();
    }

    /** The connection string clients and connectors use. */
    public String uri() {
        if (!external()) {
            return emulatorUri(config.mongodbPort()) + (config.secure() ? "&tls=true" : "");
        }
        // 'down'/'status' know the URI only redacted (stack.properties); the secrets file has it whole
        String saved = Secrets.mongoUri(layout.secretsDir());
        if (saved != null && StackConfig.redact(saved).equals(StackConfig.redact(config.externalMongoUri()))) {
            return saved.length() >= config.externalMongoUri().length() ? saved : config.externalMongoUri();
        }
        return config.externalMongoUri();
    }

    /** The emulator is the single member of replica set rs0, advertised as 127.0.0.1:port, like a real one. */
    static String emulatorUri(int port) {
        return "mongodb://127.0.0.1:" + port + "/?replicaSet=rs0";
    }

    @Override
    protected String startingDetail() {
        return "emulator, data " + StackLayout.display(layout.mongoDataDir());
    }

    @Override
    protected void prepare() throws Exception {
        java.nio.file.Files.createDirectories(layout.mongoDataDir());
    }

    @Override
    protected List<String> command() {
        List<String> flags = new ArrayList<>(serverJvmFlags(config.mongodbHeap()));
        List<String> args = new ArrayList<>(List.of(
                "--host", "127.0.0.1",
                "--port", Integer.toString(config.mongodbPort()),
                "--data-dir", layout.mongoDataDir().toString()));
        if (config.oplogMaxEntries() != null) {
            args.addAll(List.of("--oplog-max-entries", config.oplogMaxEntries().toString()));
        }
        if (config.oplogMaxBytes() != null) {
            args.addAll(List.of("--oplog-max-bytes", config.oplogMaxBytes().toString()));
        }
        if (config.secure()) {
            // key and certificate chain in one PEM file, like mongod's --tlsCertificateKeyFile
            args.addAll(List.of("--tls-certificate-key-file", layout.secretsDir().resolve(SecureMaterial.SERVER_PEM).toString()));
        }
        return java(flags, Classpaths.full(), EMULATOR_MAIN, args);
    }

    @Override
    protected void probe() {
        hello(clientSettings(uri()));
    }

    /**
     * Client settings for the stack's own clients: the URI, and in secure mode (emulator) a TLS context that
     * trusts the development CA; a real MongoDB given by URI keeps the JDK's default trust.
     */
    MongoClientSettings.Builder clientSettings(String uri) {
        MongoClientSettings.Builder b = MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri));
        if (config.secure() && !external()) {
            javax.net.ssl.SSLContext ssl = SecureMaterial.sslContext(layout.secretsDir());
            b.applyToSslSettings(s -> s.enabled(true).context(ssl));
        }
        return b;
    }

    /** Runs {@code hello} against the server; throws if it does not answer within a few seconds. */
    static Document hello(String uri) {
        return hello(MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri)));
    }

    static Document hello(MongoClientSettings.Builder base) {
        MongoClientSettings settings = base
                .applyToClusterSettings(b -> b.serverSelectionTimeout(2, TimeUnit.SECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(2, TimeUnit.SECONDS).readTimeout(5, TimeUnit.SECONDS))
                .build();
        try (MongoClient client = MongoClients.create(settings)) {
            return client.getDatabase("admin").runCommand(new Document("hello", 1));
        }
    }
}

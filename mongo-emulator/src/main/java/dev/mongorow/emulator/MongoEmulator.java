package dev.mongorow.emulator;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.mongorow.emulator.changestream.ChangeStreamStats;
import dev.mongorow.emulator.oplog.BoundedOplog;
import dev.mongorow.emulator.oplog.OplogLimits;
import dev.mongorow.emulator.oplog.OplogStats;
import dev.mongorow.emulator.server.EmulatorBackend;
import dev.mongorow.emulator.server.EmulatorServer;
import dev.mongorow.emulator.server.ReplicaSetIdentity;
import dev.mongorow.emulator.storage.StorageEngine;

/**
 * A MongoDB emulator that drivers see as the primary of a one-member replica set, with change streams in
 * MongoDB's documented format and a bounded oplog; in memory, or persistent in a data directory.
 *
 * <pre>{@code
 * try (MongoEmulator mongo = MongoEmulator.builder().port(0).build().start()) {
 *     MongoClient client = MongoClients.create(mongo.connectionString()); // mongodb://127.0.0.1:PORT/?replicaSet=rs0
 *     ...
 * }
 * }</pre>
 *
 * An instance starts once; to restart on the same data, build a new one with the same data directory.
 */
public final class MongoEmulator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MongoEmulator.class);

    private enum State { NEW, RUNNING, STOPPED }

    private final Builder settings;
    private State state = State.NEW;
    private StorageEngine storage;
    private BoundedOplog oplog;
    private EmulatorBackend backend;
    private EmulatorServer server;
    private ScheduledExecutorService housekeeping;
    private InetSocketAddress address;

    private MongoEmulator(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the storage, restores the oplog and starts listening.
     *
     * @throws IllegalStateException with the reason if the data directory or the port cannot be used
     */
    public synchronized MongoEmulator start() {
        if (state != State.NEW) {
            throw new IllegalStateException("this emulator was already started; build a new one to restart");
        }
        try {
            storage = settings.dataDirectory == null ? StorageEngine.inMemory() : StorageEngine.persistent(settings.dataDirectory);
            oplog = new BoundedOplog(settings.oplogLimits, storage.oplogPersistence(), settings.clock);
            backend = new EmulatorBackend(storage, oplog, new ReplicaSetIdentity(settings.replicaSetName, advertisedHost()),
                settings.clock);
            server = new EmulatorServer(backend, settings.tls);
            address = server.bind(settings.host, settings.port);
        } catch (RuntimeException e) {
            releaseResources();
            state = State.STOPPED;
            throw e;
        }
        housekeeping = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "mongo-emulator-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        long noopMillis = settings.noopInterval.toMillis();
        housekeeping.scheduleWithFixedDelay(() -> runSafely("periodic no-op", () -> oplog.appendNoopIfIdleFor(settings.noopInterval)),
            noopMillis, noopMillis, TimeUnit.MILLISECONDS);
        housekeeping.scheduleWithFixedDelay(() -> runSafely("idle cursor cleanup",
            () -> backend.changeStreams().closeIdleCursors(settings.cursorIdleTimeout)), 30, 30, TimeUnit.SECONDS);
        state = State.RUNNING;
        log.info("started on {} (replica set {}, {}, oplog limits {} entries / {} bytes)", hostAndPort(),
            settings.replicaSetName, storage.description(), settings.oplogLimits.maxEntries(), settings.oplogLimits.maxBytes());
        return this;
    }

    /** Closes all connections and the storage; a persistent store is committed first. Idempotent. */
    public synchronized void stop() {
        if (state != State.RUNNING) {
            state = State.STOPPED;
            return;
        }
        log.info("stopping on {}", hostAndPort());
        releaseResources();
        state = State.STOPPED;
        log.info("stopped");
    }

    @Override
    public void close() {
        stop();
    }

    private void releaseResources() {
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        if (server != null) {
            server.stop();
        }
        if (backend != null) {
            backend.close();
        } else if (storage != null) {
            storage.close();
        }
    }

    private static void runSafely(String task, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.error("{} failed", task, e);
        }
    }

    /** {@code mongodb://HOST:PORT/?replicaSet=NAME} (plus {@code &tls=true} with TLS), HOST being the advertised host. */
    public synchronized String connectionString() {
        requireRunning();
        return "mongodb://" + hostAndPort() + "/?replicaSet=" + settings.replicaSetName + (settings.tls != null ? "&tls=true" : "");
    }

    /** Whether every connection must use TLS. */
    public boolean tls() {
        return settings.tls != null;
    }

    public synchronized int port() {
        requireRunning();
        return address.getPort();
    }

    /** The address drivers must use: the replica-set member name. */
    public synchronized String hostAndPort() {
        requireRunning();
        return advertisedHost() + ":" + address.getPort();
    }

    public String replicaSetName() {
        return settings.replicaSetName;
    }

    /** "in-memory" or "persistent at DIR". */
    public synchronized String storageDescription() {
        requireRunning();
        return storage.description();
    }

    public synchronized OplogStats oplogStats() {
        requireRunning();
        return oplog.stats();
    }

    public synchronized ChangeStreamStats.Snapshot changeStreamStats() {
        requireRunning();
        return backend.changeStreams().stats();
    }

    private void requireRunning() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("the emulator is not running (state " + state + ")");
        }
    }

    private String advertisedHost() {
        if (settings.advertisedHost != null) {
            return settings.advertisedHost;
        }
        boolean wildcard = settings.host.equals("0.0.0.0") || settings.host.equals("::") || settings.host.equals("[::]");
        return wildcard ? "127.0.0.1" : settings.host;
    }

    /** Settings; every one has a default. */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port = 27017;
        private String advertisedHost;
        private Path dataDirectory;
        private OplogLimits oplogLimits = OplogLimits.defaults();
        private String replicaSetName = "rs0";
        private Duration noopInterval = Duration.ofSeconds(10);
        private Duration cursorIdleTimeout = Duration.ofMinutes(10);
        private Clock clock = Clock.systemUTC();
        private javax.net.ssl.SSLContext tls;

        private Builder() {
        }

        /**
         * Require TLS on every connection, with the server key and certificate of {@code context} (for one
         * from a PEM file as mongod takes it, see {@link PemTls#serverContext}); null (default) for plain TCP.
         */
        public Builder tls(javax.net.ssl.SSLContext context) {
            this.tls = context;
            return this;
        }

        /** Address to listen on; default 127.0.0.1. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port to listen on; 0 picks a free one. Default 27017. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be within 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Host name put in the replica-set member address; default: the listen address (127.0.0.1 for a wildcard). */
        public Builder advertisedHost(String advertisedHost) {
            this.advertisedHost = advertisedHost;
            return this;
        }

        /** Keep data and oplog in this directory across restarts; null (default) keeps everything in memory. */
        public Builder dataDirectory(Path dataDirectory) {
            this.dataDirectory = dataDirectory;
            return this;
        }

        public Builder oplogLimits(OplogLimits oplogLimits) {
            this.oplogLimits = Objects.requireNonNull(oplogLimits, "oplogLimits");
            return this;
        }

        public Builder oplogMaxEntries(long maxEntries) {
            return oplogLimits(new OplogLimits(maxEntries, oplogLimits.maxBytes()));
        }

        public Builder oplogMaxBytes(long maxBytes) {
            return oplogLimits(new OplogLimits(oplogLimits.maxEntries(), maxBytes));
        }

        public Builder replicaSetName(String replicaSetName) {
            this.replicaSetName = Objects.requireNonNull(replicaSetName, "replicaSetName");
            return this;
        }

        /** How long the oplog may stay idle before a no-op entry advances the streams' resume points; default 10 s as MongoDB. */
        public Builder noopInterval(Duration noopInterval) {
            if (noopInterval.isNegative() || noopInterval.isZero()) {
                throw new IllegalArgumentException("noop interval must be positive, got " + noopInterval);
            }
            this.noopInterval = noopInterval;
            return this;
        }

        /** Change stream cursors without a getMore for this long are closed; default 10 minutes as MongoDB. */
        public Builder cursorIdleTimeout(Duration cursorIdleTimeout) {
            this.cursorIdleTimeout = Objects.requireNonNull(cursorIdleTimeout, "cursorIdleTimeout");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public MongoEmulator build() {
            return new MongoEmulator(this);
        }
    }
}

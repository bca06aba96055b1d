package dev.mongorow.emulator.server;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * How the emulator presents itself to drivers: the primary of a one-member replica set, so that
 * {@code ?replicaSet=rs0} connection strings, sessions and change streams behave as against MongoDB.
 *
 * <p>The member address is the advertised host with the port the client connected to. Drivers drop a
 * replica-set member whose {@code me} differs from the address they used, so clients must connect through
 * the advertised host (what {@code connectionString()} returns).
 */
public final class ReplicaSetIdentity {

    /** A constant election id: drivers would ignore a restarted primary whose election id went down. */
    private static final ObjectId ELECTION_ID = new ObjectId("7fffffff0000000000000001");
    private static final long TERM = 1L;
    private static final AttributeKey<Integer> CONNECTION_ID = AttributeKey.valueOf("mongorow.connectionId");

    private final String setName;
    private final String advertisedHost;
    private final AtomicInteger connectionIds = new AtomicInteger();

    public ReplicaSetIdentity(String setName, String advertisedHost) {
        this.setName = setName;
        this.advertisedHost = advertisedHost;
    }

    public String setName() {
        return setName;
    }

    public String advertisedHost() {
        return advertisedHost;
    }

    static boolean isHello(String command) {
        return command.equalsIgnoreCase("hello") || command.equalsIgnoreCase("isMaster");
    }

    /** The reply to {@code hello}, {@code isMaster} or {@code ismaster}. */
    Document hello(Channel channel, String command, long lastWritePosition) {
        String me = member(channel);
        Document opTime = new Document("ts", new BsonTimestamp(lastWritePosition)).append("t", TERM);
        Instant lastWriteDate = Instant.ofEpochSecond(lastWritePosition >>> 32);
        Document reply = new Document();
        if (command.equalsIgnoreCase("hello")) {
            reply.append("isWritablePrimary", true);
        } else {
            reply.append("ismaster", true);
        }
        return reply
            .append("hosts", List.of(me))
            .append("setName", setName)
            .append("setVersion", 1)
            .append("secondary", false)
            .append("primary", me)
            .append("me", me)
            .append("electionId", ELECTION_ID)
            .append("lastWrite", new Document("opTime", opTime).append("lastWriteDate", lastWriteDate)
                .append("majorityOpTime", opTime).append("majorityWriteDate", lastWriteDate))
            .append("maxBsonObjectSize", 16 * 1024 * 1024)
            .append("maxMessageSizeBytes", 48_000_000)
            .append("maxWriteBatchSize", 100_000)
            .append("localTime", Instant.now())
            .append("logicalSessionTimeoutMinutes", 30)
            .append("connectionId", connectionId(channel))
            .append("minWireVersion", 0)
            .append("maxWireVersion", ServerVersion.MONGO_5_0.getWireVersion())
            .append("readOnly", false)
            .append("helloOk", true)
            .append("ok", 1.0);
    }

    /** The reply to {@code replSetGetStatus}: one healthy primary. */
    Document status(Channel channel, long lastWritePosition) {
        Document opTime = new Document("ts", new BsonTimestamp(lastWritePosition)).append("t", TERM);
        Document member = new Document("_id", 0)
            .append("name", member(channel))
            .append("health", 1.0)
            .append("state", 1)
            .append("stateStr", "PRIMARY")
            .append("optime", opTime)
            .append("self", true);
        return new Document("set", setName)
            .append("date", Instant.now())
            .append("myState", 1)
            .append("term", TERM)
            .append("members", List.of(member))
            .append("ok", 1.0);
    }

    private String member(Channel channel) {
        return advertisedHost + ":" + ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private int connectionId(Channel channel) {
        Integer existing = channel.attr(CONNECTION_ID).get();
        if (existing != null) {
            return existing;
        }
        int assigned = connectionIds.incrementAndGet();
        Integer raced = channel.attr(CONNECTION_ID).setIfAbsent(assigned);
        return raced != null ? raced : assigned;
    }
}

package dev.mongorow.emulator.oplog;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import de.bwaldvogel.mongo.bson.Document;

/**
 * One immutable oplog entry.
 *
 * <p>{@code timestamp} is the raw value of a BSON Timestamp (seconds in the high 32 bits, increment in
 * the low 32 bits); it is unique and strictly increasing across the oplog, so it doubles as the position
 * that resume tokens name. {@code sequence} numbers entries contiguously, which lets a cursor address its
 * next entry in O(1). The operation-specific body is kept as encoded BSON: compact on the heap, and a
 * snapshot that later in-place updates of the stored document cannot change.
 */
public final class OplogEntry {

    /** Fixed per-entry heap cost (object header, fields, array header) added to the body size for the byte limit. */
    static final int OVERHEAD_BYTES = 80;

    private static final byte FORMAT_VERSION = 1;

    private final long sequence;
    private final long timestamp;
    private final long wallTimeMillis;
    private final OperationType operationType;
    private final String database;
    private final String collection;
    private final byte[] body;

    OplogEntry(long sequence, long timestamp, long wallTimeMillis, OperationType operationType,
               String database, String collection, byte[] body) {
        this.sequence = sequence;
        this.timestamp = timestamp;
        this.wallTimeMillis = wallTimeMillis;
        this.operationType = operationType;
        this.database = database;
        this.collection = collection;
        this.body = body;
    }

    public long sequence() {
        return sequence;
    }

    public long timestamp() {
        return timestamp;
    }

    public long wallTimeMillis() {
        return wallTimeMillis;
    }

    public OperationType operationType() {
        return operationType;
    }

    /** The database, or null for a no-op. */
    public String database() {
        return database;
    }

    /** The collection, or null for database-level and no-op entries. */
    public String collection() {
        return collection;
    }

    /** The decoded body (a fresh copy on every call), or null for entries without one. */
    public Document body() {
        return body == null ? null : Bson.decode(body);
    }

    /** The heap bytes this entry is charged against the oplog's byte limit. */
    public long chargedBytes() {
        return OVERHEAD_BYTES + (body == null ? 0 : body.length);
    }

    byte[] serialize() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (body == null ? 0 : body.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            out.writeLong(timestamp);
            out.writeLong(wallTimeMillis);
            out.writeChar(operationType.code());
            writeNullableString(out, database);
            writeNullableString(out, collection);
            out.writeInt(body == null ? -1 : body.length);
            if (body != null) {
                out.write(body);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize oplog entry " + sequence, e);
        }
        return bytes.toByteArray();
    }

    static OplogEntry deserialize(long sequence, byte[] serialized, StringPool strings) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            byte version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new IllegalStateException("oplog entry " + sequence + " has unknown format version " + version);
            }
            long timestamp = in.readLong();
            long wallTime = in.readLong();
            OperationType type = OperationType.fromCode(in.readChar());
            String database = strings.canonical(readNullableString(in));
            String collection = strings.canonical(readNullableString(in));
            int bodyLength = in.readInt();
            byte[] body = null;
            if (bodyLength >= 0) {
                body = new byte[bodyLength];
                in.readFully(body);
            }
            return new OplogEntry(sequence, timestamp, wallTime, type, database, collection, body);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read persisted oplog entry " + sequence, e);
        }
    }

    private static void writeNullableString(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    private static String readNullableString(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    @Override
    public String toString() {
        return "OplogEntry{seq=" + sequence + ", ts=" + (timestamp >>> 32) + ":" + (timestamp & 0xFFFFFFFFL)
            + ", op=" + operationType.eventName() + ", ns=" + database + (collection == null ? "" : "." + collection) + "}";
    }
}

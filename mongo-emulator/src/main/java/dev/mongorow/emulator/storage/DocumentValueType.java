package dev.mongorow.emulator.storage;

import java.nio.ByteBuffer;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

import de.bwaldvogel.mongo.bson.Document;
import dev.mongorow.emulator.oplog.Bson;

/**
 * The value type of collection data maps: a document stored as its BSON bytes (the server's wire codec, as
 * the oplog stores its entries), not Java-serialized as H2's default type does for a class it does not know.
 * Java serialization of the documents was a quarter of the emulator's CPU under a write load (every commit
 * writes the changed pages).
 */
final class DocumentValueType extends BasicDataType<Document> {

    /** Recent encoded sizes of this map's documents, for H2's cache accounting without encoding one to size it. */
    private volatile int averageSize = 1024;

    /** One per map: the average size is the map's own. */
    DocumentValueType() {
    }

    @Override
    public int getMemory(Document document) {
        return averageSize * 2; // decoded documents take about twice their BSON size on the heap
    }

    @Override
    public void write(WriteBuffer buffer, Document document) {
        byte[] bytes = Bson.encode(document);
        averageSize = (averageSize * 15 + bytes.length) / 16;
        buffer.putVarInt(bytes.length).put(bytes);
    }

    @Override
    public Document read(ByteBuffer buffer) {
        byte[] bytes = new byte[DataUtils.readVarInt(buffer)];
        buffer.get(bytes);
        return Bson.decode(bytes);
    }

    @Override
    public Document[] createStorage(int size) {
        return new Document[size];
    }
}

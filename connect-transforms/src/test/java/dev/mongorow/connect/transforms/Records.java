package dev.mongorow.connect.transforms;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;

/** Builds sink records as a Connect worker hands them to transforms. */
final class Records {
    static final String TOPIC = "mongo.app.users";

    private Records() {
    }

    static SinkRecord record(Object key, Object value) {
        return record(TOPIC, key, value);
    }

    static SinkRecord record(String topic, Object key, Object value) {
        return new SinkRecord(topic, 3, null, key, null, value, 42L);
    }

    static SinkRecord record(String topic, Schema keySchema, Object key, Schema valueSchema, Object value) {
        return new SinkRecord(topic, 3, keySchema, key, valueSchema, value, 42L);
    }

    /** props("a", "1", "b", "2") */
    static Map<String, String> props(String... pairs) {
        Map<String, String> props = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            props.put(pairs[i], pairs[i + 1]);
        }
        return props;
    }

    /** A change event as mongo-kafka-connect publishes it with output.format.value=json (relaxed JSON). */
    static String changeEvent(String operation, String id, String fullDocument) {
        return "{\"_id\": {\"_data\": \"8263\"}, \"operationType\": \"" + operation + "\", "
                + "\"clusterTime\": {\"$timestamp\": {\"t\": 1700000000, \"i\": 7}}, "
                + "\"wallTime\": {\"$date\": \"2023-11-14T22:13:20.000Z\"}, "
                + "\"ns\": {\"db\": \"app\", \"coll\": \"users\"}, "
                + "\"documentKey\": {\"_id\": " + id + "}"
                + (fullDocument == null ? "" : ", \"fullDocument\": " + fullDocument) + "}";
    }
}

package dev.mongorow.it;

import java.util.concurrent.atomic.AtomicInteger;

import org.bson.types.ObjectId;

/** Raw records as producers put them on raw.users / raw.transactions: key {"_id": ...}, value Extended JSON. */
public final class Documents {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private Documents() {
    }

    public static String newUserId() {
        return new ObjectId().toHexString();
    }

    public static String userKey(String id) {
        return "{\"_id\": {\"$oid\": \"" + id + "\"}}";
    }

    public static String user(String id, String username, String name, long birthMillis, String email, boolean active) {
        return "{\"_id\": {\"$oid\": \"" + id + "\"}, \"username\": \"" + username + "\", \"name\": \"" + name + "\", "
                + "\"address\": \"1 Main St\\nSpringfield\", \"birthdate\": {\"$date\": {\"$numberLong\": \"" + birthMillis
                + "\"}}, \"email\": \"" + email + "\", \"active\": " + active + ", "
                + "\"accounts\": [{\"$numberInt\": \"1\"}, {\"$numberInt\": \"2\"}], \"tier_and_details\": {}}";
    }

    public static String newTransactionId() {
        return "tx-it-" + System.nanoTime() + "-" + SEQUENCE.incrementAndGet();
    }

    public static String transactionKey(String id) {
        return "{\"_id\": \"" + id + "\"}";
    }

    public static String transaction(String id, long accountId, int amount, String price, String total, long executedAtMillis) {
        return "{\"_id\": \"" + id + "\", \"account_id\": {\"$numberLong\": \"" + accountId + "\"}, "
                + "\"user_id\": \"5ca4bbcea2dd94ee58162a68\", \"symbol\": \"amzn\", \"kind\": \"buy\", "
                + "\"amount\": {\"$numberInt\": \"" + amount + "\"}, \"price\": {\"$numberDecimal\": \"" + price + "\"}, "
                + "\"total\": {\"$numberDecimal\": \"" + total + "\"}, \"currency\": \"USD\", "
                + "\"executed_at\": {\"$date\": {\"$numberLong\": \"" + executedAtMillis + "\"}}, \"tags\": [\"it\"]}";
    }
}

package dev.mongorow.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.bson.types.ObjectId;

/**
 * A deterministic keyed stream of inserts, updates (replacements) and deletes over users and transactions, as
 * producers put them on raw.users / raw.transactions, with the state it must leave behind.
 *
 * <p>Every record carries a version: its position in the stream (a transaction's {@code amount}, a user's
 * {@code name} "v&lt;n&gt;"), so "latest value" is checkable per key. Every record changes its document (a new key,
 * a new version of a live key, the delete of a live key, or the insert of a deleted key again), so each one makes
 * exactly one MongoDB write and one change event; anything beyond that on the change-event topics is a duplicate.
 * Keys carry the stream's prefix (transaction ids, user names), so one stack can hold several streams.
 */
final class KeyedStream {
    /** One raw record: topic, key text, value text (null = tombstone), and the table key it concerns. */
    record Raw(String topic, String key, String value, String table, String id) {
    }

    private final String prefix;
    private final Random random;
    private final int liveTarget;
    private final Map<String, Integer> liveTransactions = new HashMap<>();
    private final Map<String, Integer> liveUsers = new HashMap<>();
    private final List<String> liveTransactionIds = new ArrayList<>();
    private final Map<String, Integer> transactionIndex = new HashMap<>();
    private final List<String> liveUserIds = new ArrayList<>();
    private final Map<String, Integer> userIndex = new HashMap<>();
    private final List<String> deletedTransactions = new ArrayList<>();
    private final List<String> deletedUsers = new ArrayList<>();
    private final java.util.Set<String> allUserIds = new java.util.HashSet<>();
    private int sequence;
    private int transactionCounter;
    private int userCounter;
    private int inserts;
    private int updates;
    private int deletes;

    /**
     * @param prefix     short text at the start of every transaction id and user name of this stream
     * @param seed       random seed (the stream is the same for the same seed)
     * @param liveTarget how many keys the stream keeps alive (it inserts until then, then mostly updates)
     */
    KeyedStream(String prefix, long seed, int liveTarget) {
        this.prefix = prefix;
        this.random = new Random(seed);
        this.liveTarget = liveTarget;
    }

    String prefix() {
        return prefix;
    }

    /** The next record; updates the expected state. */
    Raw next() {
        int seq = ++sequence;
        boolean user = random.nextInt(3) == 0;
        int live = user ? liveUserIds.size() : liveTransactionIds.size();
        int target = user ? liveTarget / 3 : liveTarget - liveTarget / 3;
        double r = random.nextDouble();
        if (live < target && (live == 0 || r < 0.6)) {
            return insert(user, seq);
        }
        if (r < 0.12) {
            return delete(user);
        }
        if (r < 0.18) {
            return insert(user, seq); // a new key, or a deleted one again
        }
        return update(user, seq);
    }

    /** The next record as an insert of a new key (for streams that must be inserts only). */
    Raw nextInsert() {
        int seq = ++sequence;
        boolean user = random.nextInt(3) == 0;
        String id = user ? new ObjectId().toHexString() : prefix + "t" + (++transactionCounter);
        if (user) {
            userCounter++;
            allUserIds.add(id);
        }
        putLive(user, id, seq);
        inserts++;
        return user ? user(id, seq) : transaction(id, seq);
    }

    /** A marker: the insert of a transaction of its own, which is part of the expected state. */
    Raw marker(String name) {
        int seq = ++sequence;
        String id = prefix + "m-" + name;
        putLive(false, id, seq);
        inserts++;
        return transaction(id, seq);
    }

    private Raw insert(boolean user, int seq) {
        List<String> deleted = user ? deletedUsers : deletedTransactions;
        String id;
        if (!deleted.isEmpty() && random.nextInt(4) == 0) {
            id = deleted.remove(random.nextInt(deleted.size()));
        } else if (user) {
            id = new ObjectId().toHexString();
            userCounter++;
            allUserIds.add(id);
        } else {
            id = prefix + "t" + (++transactionCounter);
        }
        putLive(user, id, seq);
        inserts++;
        return user ? user(id, seq) : transaction(id, seq);
    }

    private Raw update(boolean user, int seq) {
        List<String> ids = user ? liveUserIds : liveTransactionIds;
        String id = ids.get(random.nextInt(ids.size()));
        putLive(user, id, seq);
        updates++;
        return user ? user(id, seq) : transaction(id, seq);
    }

    private Raw delete(boolean user) {
        List<String> ids = user ? liveUserIds : liveTransactionIds;
        String id = ids.get(random.nextInt(ids.size()));
        removeLive(user, id);
        (user ? deletedUsers : deletedTransactions).add(id);
        deletes++;
        return user ? new Raw("raw.users", Documents.userKey(id), null, "users", id)
                : new Raw("raw.transactions", Documents.transactionKey(id), null, "transactions", id);
    }

    private void putLive(boolean user, String id, int seq) {
        Map<String, Integer> live = user ? liveUsers : liveTransactions;
        if (live.put(id, seq) == null) {
            List<String> ids = user ? liveUserIds : liveTransactionIds;
            (user ? userIndex : transactionIndex).put(id, ids.size());
            ids.add(id);
        }
    }

    private void removeLive(boolean user, String id) {
        (user ? liveUsers : liveTransactions).remove(id);
        List<String> ids = user ? liveUserIds : liveTransactionIds;
        Map<String, Integer> index = user ? userIndex : transactionIndex;
        int at = index.remove(id);
        String last = ids.remove(ids.size() - 1);
        if (at < ids.size()) {
            ids.set(at, last);
            index.put(last, at);
        }
    }

    private Raw transaction(String id, int seq) {
        return new Raw("raw.transactions", Documents.transactionKey(id),
                Documents.transaction(id, 1000L + seq % 997, seq, "1." + (seq % 1000), seq + ".25",
                        1_700_000_000_000L + seq * 1000L),
                "transactions", id);
    }

    private Raw user(String id, int seq) {
        String username = prefix + "u" + id.substring(16);
        return new Raw("raw.users", Documents.userKey(id),
                Documents.user(id, username, "v" + seq, -86_400_000L * (seq % 20_000), "u" + seq + "@example.com", seq % 2 == 0),
                "users", id);
    }

    /** Transaction id -> amount (the version) that MySQL and MongoDB must hold. */
    Map<String, Integer> expectedTransactions() {
        return Map.copyOf(liveTransactions);
    }

    /** User id (hex) -> version (the n of name "v&lt;n&gt;") that MySQL and MongoDB must hold. */
    Map<String, Integer> expectedUsers() {
        return Map.copyOf(liveUsers);
    }

    /** Every user id the stream ever used (its delete events carry no document to recognise them by). */
    java.util.Set<String> allUserIds() {
        return java.util.Set.copyOf(allUserIds);
    }

    /** Records handed out so far (markers included): each one is one MongoDB write and one change event. */
    int records() {
        return sequence;
    }

    int inserts() {
        return inserts;
    }

    int updates() {
        return updates;
    }

    int deletes() {
        return deletes;
    }
}

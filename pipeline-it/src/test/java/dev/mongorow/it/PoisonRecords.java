package dev.mongorow.it;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bad raw records of every kind, each with where it must end up: the dead-letter topic, words of the reason
 * that must be in its {@code __connect.errors.exception.message} header, and whether MongoDB keeps the document
 * (MongoDB is the flexible store: a document that is valid there stays there; only MySQL refuses it).
 */
final class PoisonRecords {
    enum Kind {
        NOT_JSON, NOT_AN_OBJECT, MISSING_ID, WRONG_TYPES, DEEP_NESTING, TEN_MEGABYTES, INVALID_UTF8,
        /** What MongoDB or its driver refuses at write time (beyond the list: the hazard of ordered bulk writes). */
        REFUSED_BY_MONGODB
    }

    /**
     * One bad record. {@code id}: the document id where there is one (transactions: text, users: ObjectId hex),
     * which a dead letter of the MySQL sink is recognised by; {@code mongoKeeps}: MongoDB stores the document.
     */
    record Poison(Kind kind, String variant, String topic, byte[] key, byte[] value, String deadLetterTopic,
                  String reason, String id, boolean mongoKeeps) {
        @Override
        public String toString() {
            return kind + "/" + variant + (id == null ? "" : " " + id);
        }
    }

    static final int TEN_MB = 10 * 1024 * 1024;

    private final String prefix;
    private int n;

    /** @param prefix start of the ids of the poison documents (distinct from the good records' prefix) */
    PoisonRecords(String prefix) {
        this.prefix = prefix;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code i}-th bad record of a kind; variants rotate with {@code i}. */
    Poison next(Kind kind, int i) {
        String tx = prefix + "p" + (++n);
        String txKey = Documents.transactionKey(tx);
        switch (kind) {
            case NOT_JSON: {
                String[] values = {"this is not JSON {", "<user><name>x</name></user>", "{\"unterminated\": \"abc", ""};
                String v = values[i % values.length];
                return new Poison(kind, "'" + v + "'", "raw.transactions", utf8(txKey), utf8(v), "dlq.mongo-sink",
                        "into a BsonDocument", null, false);
            }
            case NOT_AN_OBJECT: {
                String[] values = {"[1, 2, 3]", "\"just a string\"", "42", "true", "null"};
                String v = values[i % values.length];
                return new Poison(kind, v, "raw.transactions", utf8(txKey), utf8(v), "dlq.mongo-sink",
                        "into a BsonDocument", null, false);
            }
            case MISSING_ID: {
                // no _id anywhere; "ref" makes each one's bytes unique, so its dead letter can be told apart
                String value = Documents.transaction(tx, 1, 1, "1.5", "2.25", 0).replace("\"_id\": \"" + tx + "\", ", "\"ref\": \"" + tx + "\", ");
                switch (i % 4) {
                    case 0:
                        return new Poison(kind, "key without _id", "raw.transactions", utf8("{\"name\": \"" + tx + "\"}"),
                                utf8(value), "dlq.mongo-sink", "no _id field", null, false);
                    case 1:
                        return new Poison(kind, "no key", "raw.transactions", null, utf8(value), "dlq.mongo-sink",
                                "no _id field", null, false);
                    case 2:
                        return new Poison(kind, "_id null", "raw.users", utf8("{\"_id\": null}"), utf8(value),
                                "dlq.mongo-sink", "an _id of type BsonNull", null, false);
                    default:
                        return new Poison(kind, "tombstone without _id", "raw.users", utf8("{\"user\": \"" + tx + "\"}"), null,
                                "dlq.mongo-sink", "Could not create write model", null, false);
                }
            }
            case WRONG_TYPES: {
                switch (i % 4) {
                    case 0:
                        return wrongTransaction(kind, tx, "\"account_id\": {\"$numberLong\": \"1\"}", "\"account_id\": \"abc\"",
                                "field 'account_id': expected INT64, got string \"abc\"");
                    case 1:
                        return wrongTransaction(kind, tx, "\"amount\": {\"$numberInt\": \"1\"}", "\"amount\": \"many\"",
                                "field 'amount': expected INT32, got string \"many\"");
                    case 2:
                        return wrongTransaction(kind, tx, "\"executed_at\": {\"$date\": {\"$numberLong\": \"0\"}}",
                                "\"executed_at\": \"yesterday\"", "field 'executed_at': expected TIMESTAMP, got string \"yesterday\"");
                    default: {
                        String id = new org.bson.types.ObjectId().toHexString();
                        String value = Documents.user(id, prefix + "pu" + n, "Wrong Birthdate", 0, "w@example.com", true)
                                .replace("{\"$date\": {\"$numberLong\": \"0\"}}", "\"the day before yesterday\"");
                        return new Poison(kind, "users.birthdate", "raw.users", utf8(Documents.userKey(id)), utf8(value),
                                "dlq.mysql-sink", "field 'birthdate': expected TIMESTAMP, got string \"the day before yesterday\"",
                                id, true);
                    }
                }
            }
            case DEEP_NESTING: {
                StringBuilder deep = new StringBuilder("{\"_id\": \"" + tx + "\", \"kind\": \"buy\", \"nested\": ");
                deep.append("{\"level\": ".repeat(100)).append("\"bottom\"").append("}".repeat(100)).append('}');
                return new Poison(kind, "100 levels", "raw.transactions", utf8(txKey), utf8(deep.toString()), "dlq.mysql-sink",
                        "nesting deeper than max.depth=64", tx, true);
            }
            case TEN_MEGABYTES: {
                String good = Documents.transaction(tx, 1, 1, "1.5", "2.25", 0);
                String big = good.substring(0, good.length() - 1) + ", \"attachment\": \"" + "x".repeat(TEN_MB) + "\"}";
                return new Poison(kind, (big.length() / 1024 / 1024) + " MiB", "raw.transactions", utf8(txKey), utf8(big),
                        "dlq.mysql-sink", "bytes, above max.bytes=", tx, true);
            }
            case INVALID_UTF8: {
                String good = Documents.transaction(tx, 1, 1, "1.5", "2.25", 0).replace("\"symbol\": \"amzn\"", "\"symbol\": \"amQQn\"");
                byte[] value = utf8(good);
                byte[] key = utf8(txKey);
                int at = indexOf(value, utf8("QQ"));
                switch (i % 3) {
                    case 0: // a lead byte without its continuation
                        value[at] = (byte) 0xC3;
                        value[at + 1] = (byte) 0x28;
                        return new Poison(kind, "C3 28 in the value", "raw.transactions", key, value, "dlq.mongo-sink",
                                "is not valid UTF-8", null, false);
                    case 1: // an encoded surrogate (CESU-8), which Java's lenient decoder would turn into U+FFFD
                        byte[] v = Arrays.copyOf(value, value.length + 1);
                        System.arraycopy(value, at + 2, v, at + 3, value.length - at - 2);
                        v[at] = (byte) 0xED;
                        v[at + 1] = (byte) 0xA0;
                        v[at + 2] = (byte) 0x80;
                        return new Poison(kind, "ED A0 80 in the value", "raw.transactions", key, v, "dlq.mongo-sink",
                                "is not valid UTF-8", null, false);
                    default: // in the key
                        byte[] k = utf8("{\"_id\": \"" + tx + "\u00e9\"}");
                        k[k.length - 3] = (byte) 0xFF;
                        return new Poison(kind, "FF in the key", "raw.transactions", k, utf8(good), "dlq.mongo-sink",
                                "is not valid UTF-8", null, false);
                }
            }
            case REFUSED_BY_MONGODB: {
                String good = Documents.transaction(tx, 1, 1, "1.5", "2.25", 0);
                String body = good.substring(1); // without the opening brace
                switch (i % 6) {
                    case 0:
                        return refused(kind, "_id an array", "{\"_id\": [\"" + tx + "\", 2]}", good, "_id is an array");
                    case 1:
                        return refused(kind, "_id a regular expression", "{\"_id\": {\"$regularExpression\": {\"pattern\": \"^"
                                + tx + "\", \"options\": \"\"}}}", good, "_id is a regular expression");
                    case 2:
                        return refused(kind, "top-level $set", txKey, "{\"$set\": {\"kind\": \"sell\"}, " + body,
                                "top-level field '$set' starts with '$'");
                    case 3:
                        return refused(kind, "NUL in a field name", txKey, "{\"a\\u0000b\": 1, " + body, "holds a NUL character");
                    case 4:
                        return refused(kind, "181 levels", txKey, "{\"nested\": " + "{\"l\": ".repeat(179) + "{}"
                                + "}".repeat(179) + ", " + body, "nesting deeper than max.depth=180 levels");
                    default: {
                        // 3 MB of text, 18 MB of BSON: an array of small numbers
                        String ones = "[1" + ",1".repeat(1_500_000) + "]";
                        return refused(kind, "18 MB as BSON", txKey, "{\"ones\": " + ones + ", " + body,
                                "bytes as BSON, above max.bson.bytes=16777216");
                    }
                }
            }
            default:
                throw new IllegalArgumentException(kind.toString());
        }
    }

    /** Refused by CheckMongoDocument, in front of the MongoDB sink: dead-lettered there, nothing in MongoDB. */
    private static Poison refused(Kind kind, String variant, String key, String value, String reason) {
        return new Poison(kind, variant, "raw.transactions", utf8(key), utf8(value), "dlq.mongo-sink", reason, null, false);
    }

    private Poison wrongTransaction(Kind kind, String tx, String field, String wrong, String reason) {
        String good = Documents.transaction(tx, 1, 1, "1.5", "2.25", 0);
        if (!good.contains(field)) {
            throw new IllegalStateException("the transaction document has no " + field + ": " + good);
        }
        return new Poison(kind, wrong, "raw.transactions", utf8(Documents.transactionKey(tx)), utf8(good.replace(field, wrong)),
                "dlq.mysql-sink", reason, tx, true);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("not found");
    }
}

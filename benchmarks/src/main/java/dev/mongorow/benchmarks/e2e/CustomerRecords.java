package dev.mongorow.benchmarks.e2e;

import java.util.List;
import java.util.Locale;

/**
 * Customer-like raw records for {@code raw.users}: the sample customers (datasets/sample_analytics/customers.json)
 * cycled, each with a fresh {@code _id}. Ids are valid ObjectId hex whose text order is the order of generation
 * ({@code <epoch seconds><batch tag><sequence>}), so "the last record is visible" and "every id at or above the
 * oldest pending one" are cheap primary-key queries for the benchmarks.
 */
final class CustomerRecords {
    private final List<String> customers;
    private final String prefix;

    /** {@code tag} (0..0xFFFFFF) tells batches of one run apart; ids of a later tag sort after earlier ones. */
    CustomerRecords(List<String> customers, int tag) {
        if (customers.isEmpty()) {
            throw new IllegalArgumentException("no sample customers");
        }
        this.customers = customers;
        this.prefix = String.format(Locale.ROOT, "%08x%06x", System.currentTimeMillis() / 1000, tag & 0xFFFFFF);
    }

    /** The ObjectId hex of record {@code i}. */
    String id(long i) {
        return prefix + String.format(Locale.ROOT, "%010x", i);
    }

    /** The record key: {@code {"_id": {"$oid": ...}}}, as the MongoDB sink's ProvidedInKeyStrategy reads it. */
    String key(long i) {
        return "{\"_id\": {\"$oid\": \"" + id(i) + "\"}}";
    }

    /** The sample customer {@code i mod 500} with its {@code _id} replaced by {@link #id(long)}. */
    String value(long i) {
        String line = customers.get((int) (i % customers.size()));
        int endOfId = line.indexOf("},"); // the sample lines start with {"_id":{"$oid":"..."},
        if (!line.startsWith("{\"_id\"") || endOfId < 0) {
            throw new IllegalStateException("sample customer without a leading _id: " + line);
        }
        return "{\"_id\": {\"$oid\": \"" + id(i) + "\"}" + line.substring(endOfId + 1);
    }
}

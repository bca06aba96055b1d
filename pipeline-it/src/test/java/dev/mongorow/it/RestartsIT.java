package dev.mongorow.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.mongodb.client.model.Filters;

/**
 * A connector restart and a SIGKILL of the Connect worker in the middle of a keyed stream of inserts, updates
 * and deletes lose nothing and duplicate nothing: at-least-once delivery plus idempotent writes (replace by
 * _id in MongoDB, upsert/delete by primary key in MySQL) give exactly the expected end state.
 */
@ExtendWith(PipelineExtension.class)
class RestartsIT {
    private static final int KEYS = 1500;

    @Test
    void connectorRestartAndWorkerKillLoseAndDuplicateNothing(Pipeline pipeline) {
        String prefix = "tx-restart-" + System.nanoTime() + "-";
        Map<String, Integer> expected = new HashMap<>();
        long executed = 1_700_000_000_000L;

        // round 1: inserts, with a connector restart in the middle
        produceRound(pipeline, prefix, 0, KEYS / 2, 1, expected, executed);
        pipeline.restartConnector("mysql-sink");
        pipeline.restartConnector("mongo-source");
        produceRound(pipeline, prefix, KEYS / 2, KEYS, 1, expected, executed);

        // round 2: updates, with the worker killed (SIGKILL) and started again in the middle
        produceRound(pipeline, prefix, 0, KEYS / 2, 2, expected, executed);
        pipeline.stack().connect(1).kill();
        produceRound(pipeline, prefix, KEYS / 2, KEYS, 2, expected, executed);
        pipeline.stack().connect(1).start();

        // round 3: every 10th key deleted
        List<String[]> deletes = new ArrayList<>();
        for (int i = 0; i < KEYS; i += 10) {
            deletes.add(new String[] {Documents.transactionKey(prefix + i), null});
            expected.remove(prefix + i);
        }
        pipeline.produceAll("raw.transactions", deletes);
        for (String connector : Pipeline.CONNECTORS) {
            pipeline.awaitRunning(connector, Duration.ofSeconds(120));
        }

        Pipeline.await(Duration.ofSeconds(180), "MySQL to hold exactly the expected " + expected.size() + " rows",
                () -> actual(pipeline, prefix).equals(expected));
        assertEquals(expected, actual(pipeline, prefix));
        long documents = pipeline.mongo().getCollection("transactions").countDocuments(Filters.regex("_id", "^" + prefix));
        assertEquals(expected.size(), documents, "MongoDB holds exactly one document per live key");
    }

    private static void produceRound(Pipeline pipeline, String prefix, int from, int to, int round,
                                     Map<String, Integer> expected, long executed) {
        List<String[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String id = prefix + i;
            int amount = round * 100_000 + i;
            records.add(new String[] {Documents.transactionKey(id),
                    Documents.transaction(id, 1000L + i, amount, "1.5", "2.25", executed + i)});
            expected.put(id, amount);
        }
        pipeline.produceAll("raw.transactions", records);
    }

    /** id -> amount of the MySQL rows of this test. */
    private static Map<String, Integer> actual(Pipeline pipeline, String prefix) {
        Map<String, Integer> rows = new HashMap<>();
        try (Connection c = pipeline.mysql(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, amount FROM transactions WHERE id LIKE '" + prefix + "%'")) {
            while (rs.next()) {
                assertTrue(rows.put(rs.getString(1), rs.getInt(2)) == null, "duplicate primary key?");
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }
}

package dev.mongorow.stack;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * What {@code pipeline status} shows: every component (pid, port, state), the connectors and their
 * tasks with state, rows per table of the MySQL database, and dead-letter counts (sum of the end
 * offsets of the topics named {@code dlq.*}). A part that cannot be read says why instead.
 */
public record StackStatus(
        Path home,
        List<ComponentStatus> components,
        List<ConnectorStatus> connectors,
        String connectorsError,
        String database,
        Map<String, Long> tableRows,
        String tablesError,
        Map<String, Long> deadLetters,
        String deadLettersError) {

    /** The dead-letter topic naming convention. */
    public static final String DLQ_PREFIX = "dlq.";

    public record ComponentStatus(String name, Component.State state, Long pid, int port, String endpoint) { }

    public record ConnectorStatus(String name, String type, String state, String workerId, List<TaskStatus> tasks) { }

    public record TaskStatus(int id, String state, String workerId, String trace) { }

    public ComponentStatus component(String name) {
        return components.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    /** True if every component is up (ours) or answers (external). */
    public boolean allUp() {
        return components.stream().allMatch(c -> c.state() == Component.State.UP || c.state() == Component.State.EXTERNAL_UP);
    }

    public long deadLetterTotal() {
        return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }

    static StackStatus collect(LocalStack stack) {
        List<Component> all = new ArrayList<>(stack.components());
        for (int i = stack.connectWorkers().size() + 1; java.nio.file.Files.exists(stack.layout().pidFile("connect-" + i)); i++) {
            all.add(new ConnectWorker(i, stack.config(), stack.layout(), Progress.silent()));
        }
        // probes may each take a few seconds when something is down: run them side by side
        List<CompletableFuture<ComponentStatus>> futures = new ArrayList<>();
        for (Component c : all) {
            futures.add(CompletableFuture.supplyAsync(() -> new ComponentStatus(c.name(), c.state(),
                    c.external() ? null : c.recordedPid().orElse(null), c.port(), c.endpoint())));
        }
        List<ComponentStatus> components = futures.stream().map(CompletableFuture::join).toList();

        List<ConnectorStatus> connectors = new ArrayList<>();
        String connectorsError = null;
        ConnectWorker live = null;
        for (Component c : all) {
            ComponentStatus s = components.stream().filter(x -> x.name().equals(c.name())).findFirst().orElseThrow();
            if (c instanceof ConnectWorker w && s.state() == Component.State.UP) {
                live = w;
                break;
            }
        }
        if (live == null) {
            connectorsError = all.stream().anyMatch(c -> c instanceof ConnectWorker) ? "no Connect worker is up" : "no Connect worker configured";
        } else {
            try {
                connectors = connectors(live);
            } catch (Exception e) {
                connectorsError = "GET /connectors?expand=status failed: " + e.getMessage();
            }
        }

        Map<String, Long> rows = new TreeMap<>();
        String tablesError = null;
        String database = null;
        if (isUp(components, MariaDb.NAME)) {
            try (Connection c = MariaDb.connect(stack.mysqlAdmin()); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT DATABASE()")) {
                    rs.next();
                    database = rs.getString(1);
                }
                List<String> tables = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name")) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
                for (String t : tables) {
                    try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM `" + t.replace("`", "``") + "`")) {
                        rs.next();
                        rows.put(t, rs.getLong(1));
                    }
                }
            } catch (Exception e) {
                tablesError = "cannot count rows: " + e.getMessage();
            }
        } else {
            tablesError = "MariaDB/MySQL is not up";
        }

        Map<String, Long> dlq = new TreeMap<>();
        String dlqError = null;
        if (isUp(components, KafkaBroker.NAME)) {
            try (Admin admin = stack.kafka().admin(5000)) {
                dlq = deadLetters(admin);
            } catch (Exception e) {
                dlqError = "cannot read dead-letter topics: " + e.getMessage();
            }
        } else {
            dlqError = "Kafka is not up";
        }
        return new StackStatus(stack.layout().home(), components, connectors, connectorsError, database, rows, tablesError, dlq, dlqError);
    }

    private static boolean isUp(List<ComponentStatus> components, String name) {
        return components.stream().anyMatch(c -> c.name().equals(name)
                && (c.state() == Component.State.UP || c.state() == Component.State.EXTERNAL_UP));
    }

    static List<ConnectorStatus> connectors(ConnectWorker worker) throws Exception {
        JsonNode root = worker.rest().get(worker.restUrl(), "/connectors?expand=status", Duration.ofSeconds(10));
        List<ConnectorStatus> out = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        root.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode st = root.path(name).path("status");
            List<TaskStatus> tasks = new ArrayList<>();
            for (Iterator<JsonNode> it = st.path("tasks").elements(); it.hasNext(); ) {
                JsonNode t = it.next();
                tasks.add(new TaskStatus(t.path("id").asInt(), t.path("state").asText(), t.path("worker_id").asText(),
                        t.hasNonNull("trace") ? t.path("trace").asText() : null));
            }
            out.add(new ConnectorStatus(name, st.path("type").asText(""), st.path("connector").path("state").asText(),
                    st.path("connector").path("worker_id").asText(), tasks));
        }
        return out;
    }

    /** End offset sums of the topics named dlq.*. */
    static Map<String, Long> deadLetters(Admin admin) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        Set<String> topics = new TreeSet<>();
        for (String t : admin.listTopics().names().get(10, TimeUnit.SECONDS)) {
            if (t.startsWith(DLQ_PREFIX)) {
                topics.add(t);
            }
        }
        if (topics.isEmpty()) {
            return out;
        }
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
            for (TopicPartitionInfo p : d.partitions()) {
                request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
            }
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
        for (String t : topics) {
            out.put(t, 0L);
        }
        ends.forEach((tp, info) -> out.merge(tp.topic(), info.offset(), Long::sum));
        return out;
    }

    /** The text {@code pipeline status} prints. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("stack home ").append(StackLayout.display(home)).append("\n\n");
        sb.append(String.format(Locale.ROOT, "%-12s %-14s %-8s %-6s %s%n", "COMPONENT", "STATE", "PID", "PORT", "ENDPOINT"));
        for (ComponentStatus c : components) {
            sb.append(String.format(Locale.ROOT, "%-12s %-14s %-8s %-6s %s%n", c.name(), c.state().label(),
                    c.pid() == null ? "-" : c.pid(), c.port() < 0 ? "-" : Integer.toString(c.port()), c.endpoint()));
        }
        sb.append("\nCONNECTORS\n");
        if (connectorsError != null) {
            sb.append("  (").append(connectorsError).append(")\n");
        } else if (connectors.isEmpty()) {
            sb.append("  (none deployed)\n");
        } else {
            for (ConnectorStatus c : connectors) {
                sb.append(String.format(Locale.ROOT, "  %-40s %-7s %-12s %s%n", c.name(), c.type(), c.state(), c.workerId()));
                for (TaskStatus t : c.tasks()) {
                    sb.append(String.format(Locale.ROOT, "    task %-35d %-12s %s%n", t.id(), t.state(), t.workerId()));
                    if (t.trace() != null) {
                        sb.append("      ").append(t.trace().lines().findFirst().orElse("")).append('\n');
                    }
                }
            }
        }
        sb.append("\nMYSQL TABLES").append(database == null ? "" : " (database " + database + ")").append('\n');
        if (tablesError != null) {
            sb.append("  (").append(tablesError).append(")\n");
        } else if (tableRows.isEmpty()) {
            sb.append("  (no tables)\n");
        } else {
            tableRows.forEach((t, n) -> sb.append(String.format(Locale.ROOT, "  %-40s %,d rows%n", t, n)));
        }
        sb.append("\nDEAD-LETTER TOPICS (").append(DLQ_PREFIX).append("*)\n");
        if (deadLettersError != null) {
            sb.append("  (").append(deadLettersError).append(")\n");
        } else if (deadLetters.isEmpty()) {
            sb.append("  (none)\n");
        } else {
            deadLetters.forEach((t, n) -> sb.append(String.format(Locale.ROOT, "  %-40s %,d records%n", t, n)));
            sb.append(String.format(Locale.ROOT, "  %-40s %,d records%n", "total", deadLetterTotal()));
        }
        return sb.toString();
    }
}

package dev.mongorow.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The pipeline's own topics, as declared in {@code connect-configs/topics.json}: created at every start of the
 * stack when missing (existing topics are left as they are), so the raw and change-event topics have their
 * declared partitions and retention before any producer or connector touches them, instead of whatever
 * auto-creation would give them. Connect creates its internal topics and the dead-letter topics itself.
 */
public final class PipelineTopics {
    /** One declared topic. */
    public record Topic(String name, int partitions, Map<String, String> config) {
    }

    private PipelineTopics() {
    }

    /** Reads the declaration; fails with the file and the entry that is wrong. */
    public static List<Topic> read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode topics = root == null ? null : root.get("topics");
        if (topics == null || !topics.isArray() || topics.isEmpty()) {
            throw new IOException(file + ": expected {\"topics\": [{\"name\": ..., \"partitions\": ..., \"config\": {...}}, ...]}");
        }
        List<Topic> out = new ArrayList<>();
        for (JsonNode t : topics) {
            String name = t.path("name").asText("");
            int partitions = t.path("partitions").asInt(0);
            if (name.isBlank() || partitions < 1) {
                throw new IOException(file + ": topic entry " + t + " needs a name and at least 1 partition");
            }
            Map<String, String> config = new LinkedHashMap<>();
            t.path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            out.add(new Topic(name, partitions, config));
        }
        return out;
    }

    /**
     * Creates the declared topics the cluster does not have yet, with the broker's default replication
     * factor; returns the names created.
     */
    static List<String> ensure(Admin admin, List<Topic> declared) throws IOException {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topic t : declared) {
                if (!existing.contains(t.name())) {
                    missing.add(new NewTopic(t.name(), Optional.of(t.partitions()), Optional.empty()).configs(t.config()));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            throw new IOException("cannot create the pipeline's topics: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("cannot create the pipeline's topics: no answer from Kafka within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating the pipeline's topics", e);
        }
    }
}

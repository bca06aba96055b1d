package dev.mongorow.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;

import dev.mongorow.stack.Component;

/**
 * The stack pointed at services it does not start ({@code --kafka-bootstrap}, {@code --mysql-url},
 * {@code --mongodb-uri}): those of another local stack ({@link Backends.OtherStack}), so the external paths run
 * here, where no Docker engine does. The shipped connector configs, unchanged, carry an insert, an update and a
 * delete end to end; the stack starts nothing but its Connect worker.
 */
@ExtendWith(PipelineExtension.class) // only for its condition: skipped with -Pcontainers and no Docker
class ExternalServicesIT {
    private static final Duration LANDING = Duration.ofSeconds(90);

    @Test
    void theShippedConnectorsRunOnExternalKafkaMysqlAndMongodb() throws java.io.IOException {
        Path repo = Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize();
        Path target = repo.resolve("pipeline-it/target");
        Faults.deleteRecursively(target.resolve("external-services"));
        Faults.deleteRecursively(target.resolve("external-stack"));
        try (Pipeline pipeline = new Pipeline(repo, target.resolve("external-stack"),
                new Backends.OtherStack(target.resolve("external-services")), c -> { })) {
            List<String> started = pipeline.stack().components().stream().filter(c -> !c.external())
                    .map(Component::name).toList();
            assertEquals(List.of("connect-1"), started, "only Connect runs in this stack; the rest is external");
            pipeline.deployAll();

            String id = Documents.newUserId();
            pipeline.produce("raw.users", Documents.userKey(id), Documents.user(id, "ext", "External Services", 0L,
                    "ext@example.com", true));
            Pipeline.await(LANDING, "insert of " + id + " in the external MySQL", () -> pipeline.mysqlRow("users", id) != null);
            assertEquals("ext", pipeline.mysqlRow("users", id).get("username"));
            Document inMongo = pipeline.mongo().getCollection("users").find(Filters.eq("_id", new ObjectId(id))).first();
            assertTrue(inMongo != null && "External Services".equals(inMongo.getString("name")), "in the external MongoDB");

            pipeline.mongo().getCollection("users").updateOne(Filters.eq("_id", new ObjectId(id)), Updates.set("name", "Ext"));
            Pipeline.await(LANDING, "update of " + id, () -> "Ext".equals(pipeline.mysqlRow("users", id).get("name")));

            pipeline.produce("raw.users", Documents.userKey(id), null);
            Pipeline.await(LANDING, "delete of " + id, () -> pipeline.mysqlRow("users", id) == null);
            assertNull(pipeline.mongo().getCollection("users").find(Filters.eq("_id", new ObjectId(id))).first());

            // the password given in the --mysql-url reaches the sink as a provider value, never in its URL or a log
            String password = pipeline.stack().mysqlAdmin().password();
            assertTrue(!pipeline.stack().mysqlAdmin().url().contains(password), "no credentials in the stored URL");
            SecurityChecks.assertAbsentFromLogs(pipeline, java.util.Set.of(password));
        }
    }
}

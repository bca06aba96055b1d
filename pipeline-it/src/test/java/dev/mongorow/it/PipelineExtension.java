package dev.mongorow.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test methods and constructors a {@link Pipeline}: started (with every connector deployed) by the first
 * test class that asks, shared by all later ones, stopped when the test run ends.
 *
 * <p>With {@code -Dpipeline.backends=containers} ({@code -Pcontainers}) and no Docker engine, every test is
 * disabled (reported as skipped, with the reason) before anything is started.
 */
public final class PipelineExtension implements ParameterResolver, ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (Backends.containersWanted() && !Backends.dockerAvailable()) {
            return ConditionEvaluationResult.disabled(Backends.NO_DOCKER);
        }
        return ConditionEvaluationResult.enabled("backends: " + Backends.kind());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Pipeline.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.create(PipelineExtension.class));
        return store.getOrComputeIfAbsent("pipeline", key -> new Started(start()), Started.class).pipeline;
    }

    private static Pipeline start() {
        Path repo = Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize();
        Path home = repo.resolve("pipeline-it/target/it-stack");
        deleteRecursively(home);
        Pipeline pipeline = new Pipeline(repo, home, Backends.fromSystemProperty());
        pipeline.deployAll();
        return pipeline;
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException("cannot clean " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Closed by JUnit when the root context closes, i.e. at the end of the test run. */
    private static final class Started implements ExtensionContext.Store.CloseableResource {
        final Pipeline pipeline;

        Started(Pipeline pipeline) {
            this.pipeline = pipeline;
        }

        @Override
        public void close() {
            pipeline.close();
        }
    }
}

package dev.mongorow.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mongorow.stack.StackConfig;

/** The faults the scenarios inject, and stacks of their own for them. */
final class Faults {
    private static final Duration BACK = Duration.ofSeconds(180);

    private Faults() {
    }

    /** A pipeline on a stack of its own under pipeline-it/target/&lt;folder&gt; (emptied first), connectors deployed. */
    static Pipeline ownPipeline(String folder, Consumer<StackConfig.Builder> customizer) {
        Path repo = Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize();
        Path home = repo.resolve("pipeline-it/target").resolve(folder);
        deleteRecursively(home);
        Pipeline pipeline = new Pipeline(repo, home, Backends.fromSystemProperty(), customizer);
        try {
            pipeline.deployAll();
            warmUp(pipeline);
        } catch (RuntimeException | Error e) {
            pipeline.close();
            throw e;
        }
        return pipeline;
    }

    /** SIGKILL of these Connect workers, then each started again; returns when every connector and task runs. */
    static FaultScenario.Action killAndRestartConnect(int... workers) {
        return pipeline -> {
            for (int w : workers) {
                pipeline.stack().connect(w).kill();
            }
            startInParallel(pipeline, workers);
            awaitAllRunning(pipeline);
        };
    }

    /**
     * SIGKILL of one worker, which stays down; returns when every connector and task runs on the others
     * (worker 1 must survive: the tests talk to the REST API through it).
     */
    static FaultScenario.Action killWorkerForGood(int worker) {
        return pipeline -> {
            if (worker == 1) {
                throw new IllegalArgumentException("the tests reach the REST API through worker 1: kill another one");
            }
            String dead = "127.0.0.1:" + pipeline.stack().config().connectPort(worker);
            // what runs there now must move: without a task there, the scenario would prove nothing about failover
            java.util.List<String> movingTasks = new java.util.ArrayList<>();
            for (String name : Pipeline.CONNECTORS) {
                for (JsonNode task : pipeline.status(name).path("tasks")) {
                    if (dead.equals(task.path("worker_id").asText())) {
                        movingTasks.add(name + "-" + task.path("id").asInt());
                    }
                }
            }
            if (movingTasks.isEmpty()) {
                throw new IllegalStateException("no task runs on worker " + worker + " (" + dead + ") before it is "
                        + "killed: the failover would prove nothing");
            }
            System.out.println("[fault] worker " + worker + " runs tasks " + movingTasks + "; killing it");
            pipeline.stack().connect(worker).kill();
            Pipeline.await(BACK, "every connector and task RUNNING on a surviving worker", () -> {
                try {
                    for (String name : Pipeline.CONNECTORS) {
                        JsonNode status = pipeline.status(name);
                        if (!running(status.path("connector"), dead) || status.path("tasks").isEmpty()) {
                            return false;
                        }
                        for (JsonNode task : status.path("tasks")) {
                            if (!running(task, dead)) {
                                return false;
                            }
                        }
                    }
                    return true;
                } catch (IllegalStateException e) {
                    return false;
                }
            });
            System.out.println("[fault] tasks " + movingTasks + " now run on the surviving worker(s)");
        };
    }

    /** Starts these workers at the same time (as a supervisor restarting crashed containers would). */
    static void startInParallel(Pipeline pipeline, int... workers) throws InterruptedException {
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        java.util.List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int w : workers) {
            Thread t = new Thread(() -> {
                try {
                    pipeline.stack().connect(w).start();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "start-connect-" + w);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(BACK.toMillis());
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a worker did not start again", failures.get(0));
        }
    }

    /** A few records through the whole pipeline, awaited: every connector has done real work before a scenario. */
    static void warmUp(Pipeline pipeline) {
        String id = Documents.newTransactionId();
        pipeline.produce("raw.transactions", Documents.transactionKey(id), Documents.transaction(id, 1, 1, "1.5", "2.25", 0));
        String user = Documents.newUserId();
        pipeline.produce("raw.users", Documents.userKey(user), Documents.user(user, "warm", "Warm Up", 0, "w@example.com", true));
        Pipeline.await(BACK, "warm-up records in MySQL",
                () -> pipeline.mysqlRow("transactions", id) != null && pipeline.mysqlRow("users", user) != null);
    }

    private static boolean running(JsonNode state, String deadWorker) {
        return "RUNNING".equals(state.path("state").asText()) && !deadWorker.equals(state.path("worker_id").asText());
    }

    /** The worker (1-based) that runs task 0 of a connector. */
    static int workerOf(Pipeline pipeline, String connector) {
        String id = pipeline.status(connector).at("/tasks/0/worker_id").asText();
        for (int w = 1; w <= pipeline.stack().config().connectWorkers(); w++) {
            if (id.equals("127.0.0.1:" + pipeline.stack().config().connectPort(w))) {
                return w;
            }
        }
        throw new IllegalStateException(connector + " task 0 runs on an unknown worker " + id);
    }

    static FaultScenario.Action restartKafka() {
        return pipeline -> pipeline.stack().kafka().restart();
    }

    static FaultScenario.Action restartMongoDb() {
        return pipeline -> pipeline.stack().mongodb().restart();
    }

    /** The MongoDB emulator stopped (SIGTERM), {@code down} later started again (data kept). */
    static FaultScenario.Action stopMongoDb(Duration down) {
        return pipeline -> {
            pipeline.stack().mongodb().stop();
            Thread.sleep(down.toMillis());
            pipeline.stack().mongodb().start();
        };
    }

    /** MariaDB stopped, {@code down} later started again. */
    static FaultScenario.Action stopMariaDb(Duration down) {
        return pipeline -> {
            pipeline.stack().mariadb().stop();
            Thread.sleep(down.toMillis());
            pipeline.stack().mariadb().start();
        };
    }

    static void awaitAllRunning(Pipeline pipeline) {
        for (String name : Pipeline.CONNECTORS) {
            pipeline.awaitRunning(name, BACK);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException("cannot clean " + dir + ": " + e.getMessage(), e);
        }
    }
}

package dev.mongorow.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CI-sized fault scenarios (part of {@code ./pipeline test}), on a stack of their own with two Connect workers:
 * each one a keyed stream of inserts, updates and deletes with faults injected mid-stream, then MySQL and
 * MongoDB checked to hold exactly the expected state ({@link FaultScenario}). The full-sized versions run with
 * {@code ./pipeline test faults} ({@link LongFaultsIT}).
 */
@ExtendWith(PipelineExtension.class) // only for its condition: skipped with -Pcontainers and no Docker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES) // each scenario; every wait inside is bounded too
class FaultToleranceIT {
    static final String COMMAND = "mvn -B -pl pipeline-it verify -Dit.test=FaultToleranceIT (part of ./pipeline test)";
    private Pipeline pipeline;

    @BeforeAll
    void start() {
        pipeline = Faults.ownPipeline("faults-ci-stack", c -> c.connectWorkers(2));
    }

    @AfterAll
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    @Order(1)
    void oneOfTwoWorkersKilledItsTasksMoveToTheSurvivor() throws Exception {
        FaultScenario.named("ci-worker-failover", COMMAND + "#oneOfTwoWorkersKilledItsTasksMoveToTheSurvivor")
                .records(12_000).liveKeys(3_000).rate(300)
                .fault(0.3, "SIGKILL of Connect worker 2 of 2 (it stays down; its tasks move to worker 1)",
                        Faults.killWorkerForGood(2))
                .run(pipeline);
        pipeline.stack().connect(2).start();
        Faults.awaitAllRunning(pipeline);
    }

    @Test
    @Order(2)
    void connectKilledTwice() throws Exception {
        FaultScenario.named("ci-connect-sigkill", COMMAND + "#connectKilledTwice")
                .records(12_000).liveKeys(3_000).rate(300)
                .fault(0.25, "SIGKILL of both Connect workers, started again", Faults.killAndRestartConnect(1, 2))
                .fault(0.6, "SIGKILL of both Connect workers, started again", Faults.killAndRestartConnect(1, 2))
                .run(pipeline);
    }

    @Test
    @Order(3)
    void kafkaBrokerRestarted() throws Exception {
        FaultScenario.named("ci-kafka-restart", COMMAND + "#kafkaBrokerRestarted")
                .records(8_000).liveKeys(2_000).rate(300)
                .fault(0.4, "Kafka broker restarted (SIGTERM, start)", Faults.restartKafka())
                .run(pipeline);
    }

    @Test
    @Order(4)
    void mongoDbRestarted() throws Exception {
        FaultScenario.named("ci-mongodb-restart", COMMAND + "#mongoDbRestarted")
                .records(8_000).liveKeys(2_000).rate(300).sourceResumes()
                .fault(0.4, "MongoDB emulator restarted (SIGTERM, start; data kept)", Faults.restartMongoDb())
                .run(pipeline);
    }

    @Test
    @Order(5)
    void mariaDbStoppedFor30Seconds() throws Exception {
        FaultScenario.named("ci-mariadb-down-30s", COMMAND + "#mariaDbStoppedFor30Seconds")
                .records(15_000).liveKeys(3_000).rate(300)
                // the JDBC sink retries a lost connection (connection.restart.on.errors, flush.max.retries), but a
                // connection that dies in the middle of a write fails the task (Debezium 3.6: the failed rollback
                // hides the retriable error): the monitor DAG's restart is part of the recovery, see RELIABILITY.md
                .monitorRestarts()
                .fault(0.2, "MariaDB stopped for 30 s, then started", Faults.stopMariaDb(Duration.ofSeconds(30)))
                .run(pipeline);
    }

    @Test
    @Order(6)
    void onePercentPoisonRecordsOfEveryKind() throws Exception {
        PoisonScenario.run(pipeline, "ci-poison", COMMAND + "#onePercentPoisonRecordsOfEveryKind", 3_000, 3_000, 1);
    }
}

package dev.mongorow.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The full-sized fault scenarios: too long for every CI run, so tagged {@code faults} and run by
 * {@code ./pipeline test faults} (Maven profile {@code -Pfaults} of pipeline-it). Their CI-sized versions are in
 * {@link FaultToleranceIT}. One stack of their own with one Connect worker (the two-worker scenario starts a
 * second stack of its own). Figures: pipeline-it/target/reliability/*.md, summarised in RELIABILITY.md.
 */
@Tag("faults")
@ExtendWith(PipelineExtension.class) // only for its condition: skipped with -Pcontainers and no Docker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LongFaultsIT {
    static final String COMMAND = "./pipeline test faults (mvn -B -pl pipeline-it verify -Pfaults -Dit.test=LongFaultsIT";
    private Pipeline pipeline;

    @BeforeAll
    void start() {
        pipeline = Faults.ownPipeline("faults-long-stack", c -> { });
    }

    @AfterAll
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static String command(String method) {
        return COMMAND + "#" + method + ")";
    }

    @Test
    @Order(1)
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void connectWorkerSigkilledFiveTimesDuring100000Records() throws Exception {
        FaultScenario scenario = FaultScenario.named("long-connect-sigkill-x5", command("connectWorkerSigkilledFiveTimesDuring100000Records"))
                .records(100_000).liveKeys(20_000).rate(250).drainTimeout(Duration.ofMinutes(15));
        // a kill about every 70 s of a 400 s stream: the pipeline catches up in between, so each recovery is its own
        for (double at : new double[] {0.10, 0.27, 0.44, 0.61, 0.78}) {
            scenario.fault(at, "SIGKILL of the Connect worker, started again", Faults.killAndRestartConnect(1));
        }
        scenario.run(pipeline);
    }

    @Test
    @Order(2)
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void kafkaBrokerRestarted() throws Exception {
        FaultScenario.named("long-kafka-restart", command("kafkaBrokerRestarted"))
                .records(30_000).liveKeys(6_000).rate(400)
                .fault(0.4, "Kafka broker restarted (SIGTERM, start)", Faults.restartKafka())
                .run(pipeline);
    }

    @Test
    @Order(3)
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void mongoDbRestarted() throws Exception {
        FaultScenario.named("long-mongodb-restart", command("mongoDbRestarted"))
                .records(30_000).liveKeys(6_000).rate(400).sourceResumes()
                .fault(0.4, "MongoDB emulator restarted (SIGTERM, start; data kept)", Faults.restartMongoDb())
                .run(pipeline);
    }

    @Test
    @Order(4)
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void mariaDbStoppedFor30Seconds() throws Exception {
        FaultScenario.named("long-mariadb-down-30s", command("mariaDbStoppedFor30Seconds"))
                .records(30_000).liveKeys(6_000).rate(400)
                .monitorRestarts() // see FaultToleranceIT#mariaDbStoppedFor30Seconds
                .fault(0.3, "MariaDB stopped for 30 s, then started", Faults.stopMariaDb(Duration.ofSeconds(30)))
                .run(pipeline);
    }

    @Test
    @Order(7)
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void mongoDbStoppedForLongerThanTheDriversServerSelectionTimeout() throws Exception {
        FaultScenario.named("long-mongodb-down-60s", command("mongoDbStoppedForLongerThanTheDriversServerSelectionTimeout"))
                .records(20_000).liveKeys(4_000).rate(300).sourceResumes()
                // the MongoDB sink fails its task instead of dead-lettering the batch (mongo.errors.tolerance=data):
                // the monitor DAG's restart is part of the recovery, see RELIABILITY.md
                .monitorRestarts()
                .fault(0.3, "MongoDB emulator stopped for 60 s (twice the driver's 30 s server selection timeout), then started",
                        Faults.stopMongoDb(Duration.ofSeconds(60)))
                .run(pipeline);
    }

    @Test
    @Order(5)
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void onePercentPoisonRecordsOfEveryKind() throws Exception {
        PoisonScenario.run(pipeline, "long-poison", command("onePercentPoisonRecordsOfEveryKind"), 20_000, 20_000, 3);
    }

    @Test
    @Order(6)
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void oneOfTwoWorkersKilledItsTasksMoveToTheSurvivor() throws Exception {
        try (Pipeline two = Faults.ownPipeline("faults-long-two-workers", c -> c.connectWorkers(2))) {
            FaultScenario.named("long-worker-failover", command("oneOfTwoWorkersKilledItsTasksMoveToTheSurvivor"))
                    .records(30_000).liveKeys(6_000).rate(400)
                    .fault(0.3, "SIGKILL of Connect worker 2 of 2 (it stays down; its tasks move to worker 1)",
                            Faults.killWorkerForGood(2))
                    .run(two);
        }
    }
}

package dev.mongorow.it;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MySQLContainer;
import org.testcontainers.mongodb.MongoDBContainer;

import dev.mongorow.stack.StackConfig;

/**
 * Where MongoDB and MySQL come from. {@code local} (the default): the local stack's MongoDB emulator and
 * embedded MariaDB. {@code containers} ({@code -Pcontainers}, or {@code -Dpipeline.backends=containers}):
 * a real MongoDB replica set and MySQL 8.4 in Docker containers through Testcontainers, given to the same
 * stack as external services, so the same tests run against them. Without a Docker engine the tests are
 * skipped with a message ({@link PipelineExtension} disables them before any stack is started).
 *
 * <p>The image tags are read from {@code docker/.env}, the one place that pins them for the compose file
 * too ({@code MONGO_IMAGE}, {@code MYSQL_IMAGE}), so the containers tested here are the ones deployed.
 */
public abstract class Backends implements AutoCloseable {
    static final String KIND_PROPERTY = "pipeline.backends";
    static final String NO_DOCKER = "pipeline.backends=containers needs a Docker engine, and none is reachable "
            + "here: skipping the end-to-end tests against real MongoDB and MySQL containers";

    private static Boolean dockerAvailable;

    protected abstract void configure(StackConfig.Builder config);

    @Override
    public void close() {
    }

    static String kind() {
        return System.getProperty(KIND_PROPERTY, "local");
    }

    static boolean containersWanted() {
        return "containers".equals(kind());
    }

    /** Whether Testcontainers reaches a Docker engine (asked once per JVM). */
    static synchronized boolean dockerAvailable() {
        if (dockerAvailable == null) {
            boolean available;
            try {
                available = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError e) {
                available = false;
            }
            dockerAvailable = available;
        }
        return dockerAvailable;
    }

    /** An image pinned in docker/.env ({@code KEY=name:tag} lines), e.g. {@code image("MONGO_IMAGE")}. */
    static String image(String key) {
        Path env = Path.of(System.getProperty("repo.dir", "..")).resolve("docker/.env").toAbsolutePath().normalize();
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(env, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the pinned image versions from " + env + ": " + e, e);
        }
        String image = p.getProperty(key, "").trim();
        if (!image.matches("[\\w./-]+:[\\w.-]+")) {
            throw new IllegalStateException(env + ": " + key + " must be an image pinned by tag (name:tag), not '" + image + "'");
        }
        return image;
    }

    public static Backends fromSystemProperty() {
        String kind = kind();
        switch (kind) {
            case "local":
                return new Backends() {
                    @Override
                    protected void configure(StackConfig.Builder config) {
                    }
                };
            case "containers":
                return new Containers();
            default:
                throw new IllegalArgumentException("pipeline.backends must be 'local' or 'containers', not '" + kind + "'");
        }
    }

    /**
     * The Kafka broker, MariaDB and MongoDB emulator of another local stack (started with no Connect worker under
     * {@code home}), given to this one as external services: the code paths a real Kafka cluster, MySQL server and
     * MongoDB replica set take ({@code --kafka-bootstrap}, {@code --mysql-url}, {@code --mongodb-uri}), without
     * Docker. The MySQL URL carries the other stack's admin user, as a DBA's would.
     */
    static final class OtherStack extends Backends {
        private final Path home;
        private dev.mongorow.stack.LocalStack services;

        OtherStack(Path home) {
            this.home = home;
        }

        @Override
        protected void configure(StackConfig.Builder config) {
            services = dev.mongorow.stack.LocalStack.create(StackConfig.builder().home(home).freePorts()
                    .connectWorkers(0).kafkaHeap("512m").mongodbHeap("512m").build());
            services.start();
            dev.mongorow.stack.Secrets.Credentials admin = services.mysqlAdmin();
            config.externalKafkaBootstrap(services.kafkaBootstrapServers())
                    .externalMysqlUrl(admin.url() + "?user=" + admin.user() + "&password=" + admin.password())
                    .externalMongoUri(services.mongodb().uri());
        }

        @Override
        public void close() {
            if (services != null) {
                services.close();
            }
        }
    }

    /** Real MongoDB (single-node replica set) and MySQL 8.4 through Testcontainers. */
    static final class Containers extends Backends {
        private MongoDBContainer mongo;
        private MySQLContainer<?> mysql;

        @Override
        protected void configure(StackConfig.Builder config) {
            Assumptions.assumeTrue(dockerAvailable(), NO_DOCKER);
            mongo = new MongoDBContainer(image("MONGO_IMAGE"));
            mysql = new MySQLContainer<>(image("MYSQL_IMAGE")).withDatabaseName("pipeline");
            mongo.start();
            mysql.start();
            config.externalMongoUri(mongo.getReplicaSetUrl("pipeline"))
                    .externalMysqlUrl(mysql.getJdbcUrl() + "?user=root&password=" + mysql.getPassword());
        }

        @Override
        public void close() {
            if (mysql != null) {
                mysql.stop();
            }
            if (mongo != null) {
                mongo.stop();
            }
        }
    }
}

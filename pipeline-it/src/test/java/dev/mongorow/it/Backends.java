package dev.mongorow.it;

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
 * skipped with a message.
 */
abstract class Backends implements AutoCloseable {
    static final String MONGO_IMAGE = "mongo:8.0.4";
    static final String MYSQL_IMAGE = "mysql:8.4.3";

    abstract void configure(StackConfig.Builder config);

    @Override
    public void close() {
    }

    static Backends fromSystemProperty() {
        String kind = System.getProperty("pipeline.backends", "local");
        switch (kind) {
            case "local":
                return new Backends() {
                    @Override
                    void configure(StackConfig.Builder config) {
                    }
                };
            case "containers":
                return new Containers();
            default:
                throw new IllegalArgumentException("pipeline.backends must be 'local' or 'containers', not '" + kind + "'");
        }
    }

    /** Real MongoDB (single-node replica set) and MySQL 8.4 through Testcontainers. */
    static final class Containers extends Backends {
        private MongoDBContainer mongo;
        private MySQLContainer<?> mysql;

        @Override
        void configure(StackConfig.Builder config) {
            boolean docker;
            try {
                docker = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException e) {
                docker = false;
            }
            Assumptions.assumeTrue(docker, "pipeline.backends=containers needs a Docker engine, and none is reachable "
                    + "here: skipping the end-to-end tests against real MongoDB and MySQL containers");
            mongo = new MongoDBContainer(MONGO_IMAGE);
            mysql = new MySQLContainer<>(MYSQL_IMAGE).withDatabaseName("pipeline");
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

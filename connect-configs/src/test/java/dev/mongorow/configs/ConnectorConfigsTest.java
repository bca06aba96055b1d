package dev.mongorow.configs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mongorow.connect.transforms.ApplyTableSchema;
import dev.mongorow.connect.transforms.internal.Column;
import dev.mongorow.connect.transforms.internal.TableDeclaration;

/**
 * Static checks of connect-configs/: every file is exactly a connector config body, secrets only come from
 * config providers, the declared table schemas agree with the MySQL DDL, and the mysql-sink transform chain,
 * built from the file by class name, turns real sample documents into rows of those tables.
 */
class ConnectorConfigsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keys whose values are credentials or locations of credentials: they must be provider placeholders. */
    private static final Pattern SECRET_KEY = Pattern.compile(".*(password|secret|\\.uri|\\.url|username|user)$");
    private static final Pattern PROVIDER_PLACEHOLDER = Pattern.compile("\\$\\{(env|file|dir):[^}]+}");
    /** What may remain of a credential value once its placeholders are taken out: URL parameters, no host. */
    private static final Pattern LITERAL_REMAINDER = Pattern.compile("^(\\?[A-Za-z0-9_.=&-]*)?$");
    /** Inline credentials in any value, e.g. mongodb://user:pass@host. */
    private static final Pattern INLINE_CREDENTIALS = Pattern.compile("://[^/@\\s$]+:[^/@\\s]+@");

    private static Path configs;
    private static Map<String, Map<String, String>> connectors;

    @BeforeAll
    static void load() throws IOException {
        configs = Path.of(System.getProperty("configs.dir", "."));
        connectors = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(configs.resolve("connectors"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().collect(Collectors.toList())) {
                JsonNode node = JSON.readTree(file.toFile());
                Map<String, String> config = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    if (!entry.getValue().isTextual()) {
                        fail(file + ": value of '" + entry.getKey() + "' must be a JSON string, as the REST API returns it");
                    }
                    config.put(entry.getKey(), entry.getValue().asText());
                }
                String name = file.getFileName().toString().replaceFirst("\\.json$", "");
                connectors.put(name, config);
            }
        }
    }

    @Test
    void everyFileIsAConnectorConfigNamedLikeTheFile() {
        assertEquals(new TreeSet<>(List.of("mongo-sink", "mongo-source", "mysql-sink")), new TreeSet<>(connectors.keySet()));
        connectors.forEach((file, config) -> {
            assertEquals(file, config.get("name"), file + ".json: 'name' must equal the file name");
            assertNotNull(config.get("connector.class"), file + ".json: connector.class");
        });
    }

    @Test
    void secretsOnlyComeFromConfigProviders() {
        connectors.forEach((file, config) -> config.forEach((key, value) -> {
            if (SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).matches()) {
                assertTrue(value.startsWith("${") && PROVIDER_PLACEHOLDER.matcher(value).lookingAt(),
                        file + ".json: '" + key + "' must come from a config provider such as ${env:NAME}, not a literal");
                String remainder = PROVIDER_PLACEHOLDER.matcher(value).replaceAll("");
                assertTrue(LITERAL_REMAINDER.matcher(remainder).matches(), file + ".json: '" + key
                        + "' may add only URL parameters to its placeholders, found '" + remainder + "'");
            }
            assertFalse(INLINE_CREDENTIALS.matcher(value).find(), file + ".json: '" + key + "' holds inline credentials");
        }));
    }

    @Test
    void everyTopicTheConnectorsUseIsDeclaredInTopicsJson() throws IOException {
        java.util.Set<String> declared = new java.util.HashSet<>();
        JSON.readTree(configs.resolve("topics.json").toFile()).path("topics").forEach(t -> declared.add(t.path("name").asText()));
        java.util.Set<String> used = new java.util.TreeSet<>();
        for (Map<String, String> config : connectors.values()) {
            for (String topic : config.getOrDefault("topics", "").split(",")) {
                if (!topic.isBlank()) {
                    used.add(topic.trim());
                }
            }
            if (config.containsKey("heartbeat.topic.name")) {
                used.add(config.get("heartbeat.topic.name"));
            }
        }
        // what the source publishes (topic.prefix.database.collection) is what the MySQL sink reads: in 'topics' above
        assertTrue(used.containsAll(List.of("raw.users", "raw.transactions", "mongo.pipeline.users",
                "mongo.pipeline.transactions", "__mongodb_heartbeats")), used.toString());
        assertEquals(used, new java.util.TreeSet<>(declared), "connect-configs/topics.json declares exactly the topics the connectors use");
    }

    @Test
    void sinksSendBadRecordsToADeadLetterTopicWithContextHeaders() {
        for (String sink : List.of("mongo-sink", "mysql-sink")) {
            Map<String, String> config = connectors.get(sink);
            assertEquals("all", config.get("errors.tolerance"), sink);
            assertEquals("dlq." + sink, config.get("errors.deadletterqueue.topic.name"), sink);
            assertEquals("true", config.get("errors.deadletterqueue.context.headers.enable"), sink);
        }
    }

    @Test
    void aMongoDbOutageFailsTheSinkTaskInsteadOfDeadLetteringGoodRecords() {
        // with 'all', mongo-kafka-connect dead-letters a whole batch of good records when a write fails for any
        // reason but the data (MongoDB unreachable for 30 s, a socket error): 868 records in the 60 s outage of
        // LongFaultsIT. 'data' dead-letters only what MongoDB refuses and fails the task otherwise (RELIABILITY.md)
        assertEquals("data", connectors.get("mongo-sink").get("mongo.errors.tolerance"));
    }

    @Test
    void theMongoDbSinkChecksDocumentsBeforeItsOrderedBulkWrites() {
        // a record MongoDB refuses at write time would dead-letter the rest of its ordered batch unwritten, or (refused
        // by the driver before sending) fail the task: CheckMongoDocument dead-letters it alone, first (RELIABILITY.md)
        Map<String, String> mongoSink = connectors.get("mongo-sink");
        assertEquals("true", mongoSink.get("bulk.write.ordered"), "per-key order needs ordered bulk writes");
        String first = mongoSink.get("transforms").split(",")[0].trim();
        assertEquals("dev.mongorow.connect.transforms.CheckMongoDocument", mongoSink.get("transforms." + first + ".type"));
    }

    @Test
    void idempotentWritesEverywhere() {
        Map<String, String> mongoSink = connectors.get("mongo-sink");
        assertTrue(mongoSink.get("document.id.strategy").endsWith("ProvidedInKeyStrategy"),
                "the MongoDB document id comes from the business key, never a generated ObjectId");
        assertEquals("true", mongoSink.get("delete.on.null.values"));
        Map<String, String> mysqlSink = connectors.get("mysql-sink");
        assertEquals("upsert", mysqlSink.get("insert.mode"));
        assertEquals("record_key", mysqlSink.get("primary.key.mode"));
        assertEquals("true", mysqlSink.get("delete.enabled"));
        Map<String, String> source = connectors.get("mongo-source");
        assertEquals("updateLookup", source.get("change.stream.full.document"));
        assertTrue(Integer.parseInt(source.get("heartbeat.interval.ms")) > 0, "heartbeats keep the resume token fresh");
        assertEquals("timestamp", source.get("startup.mode"));
    }

    @Test
    void declaredTableSchemasAgreeWithTheDdl() throws IOException {
        Map<String, MysqlDdl.Table> ddl = MysqlDdl.parse(Files.readString(configs.resolve("mysql/schema.sql")));
        List<TableDeclaration> declarations = declarations();
        assertEquals(new TreeSet<>(ddl.keySet()),
                declarations.stream().map(TableDeclaration::table).collect(Collectors.toCollection(TreeSet::new)));
        List<String> problems = new ArrayList<>();
        for (TableDeclaration declaration : declarations) {
            MysqlDdl.Table table = ddl.get(declaration.table());
            List<String> declared = declaration.columns().stream().map(Column::name).collect(Collectors.toList());
            if (!declared.equals(List.copyOf(table.columns().keySet()))) {
                problems.add(table.name() + ": columns " + declared + " vs DDL " + table.columns().keySet());
                continue;
            }
            List<String> keys = declaration.keyColumns().stream().map(Column::name).collect(Collectors.toList());
            if (!keys.equals(table.primaryKey())) {
                problems.add(table.name() + ": key " + keys + " vs DDL PRIMARY KEY " + table.primaryKey());
            }
            for (Column column : declaration.columns()) {
                MysqlDdl.Column sql = table.columns().get(column.name());
                if (!typesAgree(column, sql.type())) {
                    problems.add(table.name() + "." + column.name() + ": " + column.typeText() + " vs " + sql.type());
                }
                if (column.nullable() == sql.notNull() && !column.primaryKey()) {
                    problems.add(table.name() + "." + column.name() + ": nullability differs");
                }
                if ((column.defaultValue() == null) != (sql.defaultValue() == null)) {
                    problems.add(table.name() + "." + column.name() + ": DEFAULT declared on one side only");
                } else if (column.defaultValue() != null && !defaultsAgree(column.defaultValue(), sql.defaultValue())) {
                    problems.add(table.name() + "." + column.name() + ": DEFAULT " + column.defaultValue() + " vs "
                            + sql.defaultValue());
                }
            }
        }
        assertTrue(problems.isEmpty(), "declarations and mysql/schema.sql disagree: " + problems);
    }

    static boolean typesAgree(Column column, String sqlType) {
        switch (column.type()) {
            case STRING:
                return column.length() > 0
                        ? sqlType.equals("VARCHAR(" + column.length() + ")") || sqlType.equals("CHAR(" + column.length() + ")")
                        : List.of("TEXT", "MEDIUMTEXT", "LONGTEXT").contains(sqlType);
            case INT32:
                return sqlType.equals("INT") || sqlType.equals("INTEGER");
            case INT64:
                return sqlType.equals("BIGINT");
            case FLOAT64:
                return sqlType.equals("DOUBLE");
            case BOOLEAN:
                return sqlType.equals("BOOLEAN") || sqlType.equals("TINYINT(1)");
            case DECIMAL:
                return sqlType.equals("DECIMAL(" + column.precision() + "," + column.scale() + ")");
            case TIMESTAMP:
                return sqlType.equals("DATETIME(3)");
            case DATE:
                return sqlType.equals("DATE");
            case JSON:
                return sqlType.equals("JSON");
            default:
                return false;
        }
    }

    private static boolean defaultsAgree(Object declared, String sql) {
        String literal = sql.startsWith("'") ? sql.substring(1, sql.length() - 1).replace("''", "'") : sql;
        if (declared instanceof Boolean) {
            return declared.equals(literal.equalsIgnoreCase("TRUE") || literal.equals("1"));
        }
        if (declared instanceof BigDecimal) {
            return ((BigDecimal) declared).compareTo(new BigDecimal(literal)) == 0;
        }
        return declared.toString().equals(literal);
    }

    /** The ApplyTableSchema declarations of the mysql-sink, built exactly as the worker builds them. */
    private static List<TableDeclaration> declarations() {
        List<TableDeclaration> declarations = new ArrayList<>();
        for (Transformation<SinkRecord> transform : mysqlSinkChain()) {
            if (transform instanceof ApplyTableSchema) {
                declarations.add(((ApplyTableSchema<SinkRecord>) transform).declaration());
            }
        }
        return declarations;
    }

    /** The mysql-sink's transforms, instantiated by class name from the file, providers resolved to test values. */
    @SuppressWarnings("unchecked")
    static List<Transformation<SinkRecord>> mysqlSinkChain() {
        Map<String, String> config = connectors.get("mysql-sink");
        List<Transformation<SinkRecord>> chain = new ArrayList<>();
        for (String alias : config.get("transforms").split(",")) {
            String prefix = "transforms." + alias.trim() + ".";
            Map<String, String> props = new LinkedHashMap<>();
            config.forEach((key, value) -> {
                if (key.startsWith(prefix) && !key.equals(prefix + "type")) {
                    props.put(key.substring(prefix.length()), value.startsWith("${env:") ? "test-value-of-" + value
                            + "-padded-to-length" : value);
                }
            });
            try {
                Transformation<SinkRecord> transform = (Transformation<SinkRecord>) Class.forName(config.get(prefix + "type"))
                        .getDeclaredConstructor().newInstance();
                transform.configure(props);
                chain.add(transform);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("transform " + alias + ": " + e, e);
            }
        }
        return chain;
    }

    @Test
    void mysqlSinkChainTurnsSampleDocumentsIntoRows() throws IOException {
        List<Transformation<SinkRecord>> chain = mysqlSinkChain();
        Path datasets = Path.of(System.getProperty("datasets.dir", "../datasets"));
        String customer = Files.readAllLines(datasets.resolve("sample_analytics/customers.json"), StandardCharsets.UTF_8).get(0);
        Struct user = run(chain, "mongo.pipeline.users", customer, "{\"$oid\": \"5ca4bbcea2dd94ee58162a68\"}");
        assertEquals("5ca4bbcea2dd94ee58162a68", user.get("id"));
        assertEquals(64, ((String) user.get("email_hash")).length(), "the e-mail only reaches MySQL as a keyed hash");

        String transaction = "{\"_id\": \"tx-1\", \"account_id\": {\"$numberInt\": \"371138\"}, \"user_id\": \"5ca4bbcea2dd94ee58162a68\", "
                + "\"symbol\": \"amzn\", \"kind\": \"buy\", \"amount\": {\"$numberInt\": \"12\"}, \"price\": {\"$numberDecimal\": \"101.123456\"}, "
                + "\"total\": {\"$numberDecimal\": \"1213.48\"}, \"executed_at\": {\"$date\": {\"$numberLong\": \"-86400000\"}}, "
                + "\"tags\": [\"x\"]}";
        Struct tx = run(chain, "mongo.pipeline.transactions", transaction, "\"tx-1\"");
        assertEquals(371138L, tx.get("account_id"));
        assertEquals("USD", tx.get("currency"));
        assertEquals(new BigDecimal("101.123456"), tx.get("price"));
        assertEquals(new java.util.Date(-86_400_000L), tx.get("trade_date"));
    }

    private static Struct run(List<Transformation<SinkRecord>> chain, String topic, String document, String id) {
        String event = "{\"_id\": {\"_data\": \"82\"}, \"operationType\": \"insert\", \"ns\": {\"db\": \"pipeline\", "
                + "\"coll\": \"x\"}, \"documentKey\": {\"_id\": " + id + "}, \"fullDocument\": " + document + "}";
        SinkRecord record = new SinkRecord(topic, 0, null, "{}", null, event, 0);
        for (Transformation<SinkRecord> transform : chain) {
            record = transform.apply(record);
        }
        return (Struct) record.value();
    }
}

package dev.mongorow.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Cast;
import org.apache.kafka.connect.transforms.ExtractField;
import org.apache.kafka.connect.transforms.Flatten;
import org.apache.kafka.connect.transforms.ReplaceField;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.ValueToKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mongorow.connect.transforms.ApplyTableSchema;
import dev.mongorow.connect.transforms.ChangeEventToRow;
import dev.mongorow.connect.transforms.ProtectFields;

/**
 * Per-record cost of our transform chain on the 500 sample_analytics customers, against the closest chain of
 * Kafka's built-in transforms on the same records.
 *
 * <p>Common input ("map"): the insert change event as a schemaless map, as JsonConverter (schemas.enable=false)
 * makes it from mongo-kafka-connect's JSON output; Extended JSON type wrappers ($oid, $date, $numberInt) are
 * still nested maps there. Both chains can handle it:
 * <ul>
 * <li>ours: ChangeEventToRow -> ApplyTableSchema(users), giving key Struct{id} and a typed flat Struct;</li>
 * <li>built-ins: ExtractField(fullDocument) -> ReplaceField(_id->id) -> Flatten -> Cast(active:boolean) ->
 * ValueToKey(id). The result is still schemaless with wrapper columns (id_$oid, birthdate_$date_$numberLong)
 * and lists, which a JDBC sink cannot write: the built-ins do less work and still lose.</li>
 * </ul>
 * Ours also runs from the JSON the source really publishes, which no built-in can read: as the record's
 * bytes, which the shipped mysql-sink hands over (ByteArrayConverter: nothing decoded before our transform,
 * "jsonBytes"); the same bytes decoded by StringConverter first, as the sink did until 2026-12-07
 * ("jsonBytesViaStringConverter", the like-for-like comparison with "jsonBytes"); as text alone, the converter's
 * work left out ("json"); and as text with PII hashing added ("jsonWithPii").
 *
 * <p>"Scalar" variants: the same customers without their array and map fields (accounts, tier_and_details),
 * i.e. records both chains turn into complete rows (the built-ins cannot make a column of an array or a map);
 * ours declares the same table without the two JSON columns. This is the like-for-like comparison.
 *
 * <p>"Struct" variants: the same scalar customers as Connect Structs with a schema (as JsonConverter with
 * schemas.enable=true, or Avro, would give them: _id a string, birthdate a Timestamp). Here the built-in chain's
 * output is a row a JDBC sink can write, a Struct value and a Struct key {id}, exactly as ours: the strictest
 * like-for-like comparison.
 *
 * <p>Run: {@code ./pipeline bench jmh}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// two JVMs: on the shared 2-core host the noise between forks is as large as the differences measured
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class TransformChainBenchmark {
    static final String USERS_COLUMNS = "id STRING(24) NOT NULL, username STRING(64) NOT NULL, name STRING(128) NOT NULL, "
            + "address STRING(255), birthdate TIMESTAMP, email STRING(64), active BOOLEAN NOT NULL DEFAULT false, "
            + "accounts JSON, tier_and_details JSON";

    private List<SinkRecord> jsonRecords;
    private List<SinkRecord> jsonBytesRecords;
    private List<SinkRecord> mapRecords;
    private List<SinkRecord> scalarMapRecords;
    private List<SinkRecord> structRecords;
    private int next;

    private final org.apache.kafka.connect.storage.StringConverter stringConverter =
            new org.apache.kafka.connect.storage.StringConverter();
    private List<Transformation<SinkRecord>> ours;
    private List<Transformation<SinkRecord>> oursScalar;
    private List<Transformation<SinkRecord>> oursWithPii;
    private List<Transformation<SinkRecord>> builtIns;
    private List<Transformation<SinkRecord>> builtInsStruct;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        ObjectMapper json = new ObjectMapper();
        jsonRecords = new ArrayList<>();
        jsonBytesRecords = new ArrayList<>();
        mapRecords = new ArrayList<>();
        scalarMapRecords = new ArrayList<>();
        structRecords = new ArrayList<>();
        int offset = 0;
        for (String document : customers()) {
            com.fasterxml.jackson.databind.JsonNode customer = json.readTree(document);
            String event = changeEvent(offset, customer.get("_id"), document);
            jsonRecords.add(new SinkRecord("mongo.sample_analytics.users", 0, null, null, null, event, offset));
            jsonBytesRecords.add(new SinkRecord("mongo.sample_analytics.users", 0, null, null, Schema.OPTIONAL_BYTES_SCHEMA,
                    event.getBytes(StandardCharsets.UTF_8), offset));
            mapRecords.add(new SinkRecord("mongo.sample_analytics.users", 0, null, null, null,
                    json.readValue(event, Map.class), offset));
            @SuppressWarnings("unchecked")
            Map<String, Object> scalarEvent = json.readValue(event, Map.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> scalarDocument = (Map<String, Object>) scalarEvent.get("fullDocument");
            scalarDocument.remove("accounts");
            scalarDocument.remove("tier_and_details");
            scalarMapRecords.add(new SinkRecord("mongo.sample_analytics.users", 0, null, null, null, scalarEvent, offset));
            structRecords.add(new SinkRecord("mongo.sample_analytics.users", 0, null, null, STRUCT_EVENT,
                    structEvent(customer), offset++));
        }
        stringConverter.configure(Map.of(), false);
        ours = List.of(configure(new ChangeEventToRow<>(), Map.of()),
                configure(new ApplyTableSchema<>(), Map.of("table", "users", "columns", USERS_COLUMNS)));
        oursScalar = List.of(ours.get(0), configure(new ApplyTableSchema<>(), Map.of("table", "users", "columns",
                USERS_COLUMNS.replace(", accounts JSON, tier_and_details JSON", ""))));
        oursWithPii = List.of(ours.get(0), ours.get(1), configure(new ProtectFields.Value<>(),
                Map.of("hmac.fields", "email", "hmac.secret", "benchmark-secret-0123456789")));
        builtIns = List.of(
                configure(new ExtractField.Value<>(), Map.of("field", "fullDocument")),
                configure(new ReplaceField.Value<>(), Map.of("renames", "_id:id")),
                configure(new Flatten.Value<>(), Map.of("delimiter", "_")),
                configure(new Cast.Value<>(), Map.of("spec", "active:boolean")),
                configure(new ValueToKey<>(), Map.of("fields", "id_$oid")));
        builtInsStruct = List.of(
                configure(new ExtractField.Value<>(), Map.of("field", "fullDocument")),
                configure(new ReplaceField.Value<>(), Map.of("renames", "_id:id")),
                configure(new Flatten.Value<>(), Map.of("delimiter", "_")),
                configure(new Cast.Value<>(), Map.of("spec", "active:boolean")),
                configure(new ValueToKey<>(), Map.of("fields", "id")));
    }

    static final Schema STRUCT_DOCUMENT = SchemaBuilder.struct().name("customer")
            .field("_id", Schema.STRING_SCHEMA).field("username", Schema.STRING_SCHEMA).field("name", Schema.STRING_SCHEMA)
            .field("address", Schema.OPTIONAL_STRING_SCHEMA).field("birthdate", Timestamp.builder().optional().build())
            .field("email", Schema.OPTIONAL_STRING_SCHEMA).field("active", Schema.OPTIONAL_BOOLEAN_SCHEMA).build();
    static final Schema STRUCT_EVENT = SchemaBuilder.struct().name("changeEvent")
            .field("operationType", Schema.STRING_SCHEMA)
            .field("documentKey", SchemaBuilder.struct().field("_id", Schema.STRING_SCHEMA).build())
            .field("fullDocument", STRUCT_DOCUMENT).build();

    /** The insert change event of a customer as a Struct: its scalar fields, typed. */
    private static Struct structEvent(com.fasterxml.jackson.databind.JsonNode customer) {
        String id = customer.at("/_id/$oid").asText();
        Struct document = new Struct(STRUCT_DOCUMENT).put("_id", id)
                .put("username", customer.path("username").asText()).put("name", customer.path("name").asText())
                .put("address", customer.path("address").asText(null))
                .put("birthdate", new java.util.Date(customer.at("/birthdate/$date/$numberLong").asLong()))
                .put("email", customer.path("email").asText(null))
                .put("active", customer.path("active").isMissingNode() ? null : customer.path("active").asBoolean());
        return new Struct(STRUCT_EVENT).put("operationType", "insert")
                .put("documentKey", new Struct(STRUCT_EVENT.field("documentKey").schema()).put("_id", id))
                .put("fullDocument", document);
    }

    /**
     * The insert event as the shipped mongo-source publishes it (mongo-kafka-connect's canonical ExtendedJson
     * formatter, fields in the order MongoDB writes them): a resume token of a real mongod's length, the cluster
     * time as a BSON timestamp, the wall time as a canonical date.
     */
    static String changeEvent(int offset, com.fasterxml.jackson.databind.JsonNode id, String document) {
        long seconds = 1_765_000_000L + offset;
        String resumeToken = String.format("82%08X000000012B042C0100296E5A1004%032X46645F696400", seconds, offset)
                + "64" + id.path("$oid").asText().toUpperCase(java.util.Locale.ROOT) + "0004";
        return "{\"_id\": {\"_data\": \"" + resumeToken + "\"}, \"operationType\": \"insert\", "
                + "\"clusterTime\": {\"$timestamp\": {\"t\": " + seconds + ", \"i\": 1}}, "
                + "\"wallTime\": {\"$date\": {\"$numberLong\": \"" + (seconds * 1000 + 123) + "\"}}, "
                + "\"fullDocument\": " + document + ", "
                + "\"ns\": {\"db\": \"pipeline\", \"coll\": \"users\"}, "
                + "\"documentKey\": {\"_id\": " + id + "}}"; // JsonNode.toString() is its JSON text
    }

    static List<String> customers() throws IOException {
        Path datasets = Path.of(System.getProperty("datasets.dir", "datasets"));
        Path file = datasets.resolve("sample_analytics/customers.json");
        if (!Files.exists(file)) {
            throw new IOException(file.toAbsolutePath() + " not found: run from the repository root or set -Ddatasets.dir");
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    private static <T extends Transformation<SinkRecord>> T configure(T transform, Map<String, String> props) {
        transform.configure(props);
        return transform;
    }

    private SinkRecord nextOf(List<SinkRecord> records) {
        SinkRecord record = records.get(next);
        next = next + 1 == records.size() ? 0 : next + 1;
        return record;
    }

    private static SinkRecord run(List<Transformation<SinkRecord>> chain, SinkRecord record) {
        SinkRecord current = record;
        for (Transformation<SinkRecord> transform : chain) {
            current = transform.apply(current);
        }
        return current;
    }

    @Benchmark
    public void oursFromMap(Blackhole sink) {
        sink.consume(run(ours, nextOf(mapRecords)));
    }

    @Benchmark
    public void builtInsFromMap(Blackhole sink) {
        sink.consume(run(builtIns, nextOf(mapRecords)));
    }

    @Benchmark
    public void oursFromMapScalar(Blackhole sink) {
        sink.consume(run(oursScalar, nextOf(scalarMapRecords)));
    }

    @Benchmark
    public void builtInsFromMapScalar(Blackhole sink) {
        sink.consume(run(builtIns, nextOf(scalarMapRecords)));
    }

    @Benchmark
    public void oursFromStruct(Blackhole sink) {
        sink.consume(run(oursScalar, nextOf(structRecords)));
    }

    @Benchmark
    public void builtInsFromStruct(Blackhole sink) {
        sink.consume(run(builtInsStruct, nextOf(structRecords)));
    }

    @Benchmark
    public void oursFromJson(Blackhole sink) {
        sink.consume(run(ours, nextOf(jsonRecords)));
    }

    @Benchmark
    public void oursFromJsonBytes(Blackhole sink) {
        sink.consume(run(ours, nextOf(jsonBytesRecords)));
    }

    @Benchmark
    public void oursFromJsonBytesViaStringConverter(Blackhole sink) {
        SinkRecord record = nextOf(jsonBytesRecords);
        Object text = stringConverter.toConnectData(record.topic(), (byte[]) record.value()).value();
        sink.consume(run(ours, record.newRecord(record.topic(), record.kafkaPartition(), null, null,
                Schema.OPTIONAL_STRING_SCHEMA, text, record.timestamp())));
    }

    @Benchmark
    public void oursFromJsonWithPii(Blackhole sink) {
        sink.consume(run(oursWithPii, nextOf(jsonRecords)));
    }
}

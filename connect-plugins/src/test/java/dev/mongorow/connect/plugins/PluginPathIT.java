package dev.mongorow.connect.plugins;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Driver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.isolation.LoaderSwap;
import org.apache.kafka.connect.runtime.isolation.PluginDesc;
import org.apache.kafka.connect.runtime.isolation.PluginDiscoveryMode;
import org.apache.kafka.connect.runtime.isolation.PluginType;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Loads the BUILT plugin.path folder (target/plugins) with Kafka Connect's own plugin loading, the way a worker
 * with {@code plugin.discovery=service_load} does, and checks what a worker would find there. Runs after
 * {@code package} (failsafe), against the real jars; nothing is mocked.
 */
class PluginPathIT {

    static final Path PLUGINS = Path.of(property("mongorow.plugins.dir"));
    static final String TRANSFORMS = "mongorow-transforms";
    private static final String MONGODB = "mongodb-kafka-connect";
    private static final String DEBEZIUM = "debezium-connector-jdbc";

    private static final String MONGO_SINK = "com.mongodb.kafka.connect.MongoSinkConnector";
    private static final String MONGO_SOURCE = "com.mongodb.kafka.connect.MongoSourceConnector";
    private static final String JDBC_SINK = "io.debezium.connector.jdbc.JdbcSinkConnector";

    /** {@code name-1.2.3.jar} / {@code name-1.2.3.Final.jar} / {@code ojdbc11-23.26.1.0.0.jar}: name and version. */
    private static final Pattern JAR_NAME = Pattern.compile("(.+?)-(\\d[^-]*(?:-[A-Za-z0-9.]+)*)\\.jar");

    private static Plugins plugins;

    @BeforeAll
    static void loadPluginPath() {
        assertTrue(Files.isDirectory(PLUGINS), PLUGINS + " is missing: run mvn package first");
        plugins = new Plugins(workerProps(PluginDiscoveryMode.SERVICE_LOAD));
    }

    @Test
    void oneFolderPerPluginWithoutWorkerClassesOrDuplicateJars() throws IOException {
        assertEquals(Set.of(TRANSFORMS, MONGODB, DEBEZIUM), children(PLUGINS, Files::exists),
                "plugin.path must hold exactly one folder per plugin and nothing else");
        for (String folder : List.of(TRANSFORMS, MONGODB, DEBEZIUM)) {
            Map<String, List<String>> jarsByArtifact = new HashMap<>();
            for (String jar : children(PLUGINS.resolve(folder), p -> p.toString().endsWith(".jar"))) {
                Matcher m = JAR_NAME.matcher(jar);
                jarsByArtifact.computeIfAbsent(m.matches() ? m.group(1) : jar, k -> new ArrayList<>()).add(jar);
                try (ZipFile zip = new ZipFile(PLUGINS.resolve(folder).resolve(jar).toFile())) {
                    List<String> workerClasses = zip.stream().map(ZipEntry::getName)
                            .filter(n -> n.startsWith("org/apache/kafka/") || n.startsWith("org/slf4j/"))
                            .limit(3).toList();
                    assertEquals(List.of(), workerClasses, folder + "/" + jar
                            + " carries classes the worker provides (Kafka, slf4j): they must not be bundled");
                }
            }
            jarsByArtifact.values().forEach(jars -> assertEquals(1, jars.size(),
                    folder + " holds several versions of one library: " + jars));
        }
        assertEquals(List.of(), children(PLUGINS.resolve(DEBEZIUM), p -> p.getFileName().toString()
                .matches("(ojdbc|mssql-jdbc|postgresql).*\\.jar")).stream().sorted().toList(),
                "drivers of databases the pipeline does not write to are not shipped");
    }

    @Test
    void everyTransformAndPredicateOfOursIsDiscoveredAndConfigurable() throws Exception {
        Path jar = single(PLUGINS.resolve(TRANSFORMS), "mongorow-connect-transforms-");
        List<String> transformations = serviceEntries(jar, Transformation.class);
        List<String> predicates = serviceEntries(jar, Predicate.class);
        assertFalse(transformations.isEmpty(), jar + " lists no Transformation in META-INF/services");

        Map<String, Map<String, String>> exampleConfigs = exampleConfigsByClass();
        List<Executable> checks = new ArrayList<>();
        for (String className : transformations) {
            checks.add(() -> checkOurPlugin(className, plugins.transformations(), exampleConfigs));
        }
        for (String className : predicates) {
            checks.add(() -> checkOurPlugin(className, plugins.predicates(), exampleConfigs));
        }
        assertAll(checks);
        // the REST extension of the same jar (rest.extension.classes): loaded from our folder, with our version
        String guard = "dev.mongorow.connect.rest.ConfigReferenceGuard";
        assertEquals(List.of(guard), serviceEntries(jar, org.apache.kafka.connect.rest.ConnectRestExtension.class));
        assertLocatedIn(TRANSFORMS, plugins.pluginClass(guard));
        assertEquals(property("mongorow.version"),
                ((org.apache.kafka.connect.rest.ConnectRestExtension) plugins.newPlugin(guard, null)).version());
    }

    @SuppressWarnings("try") // the LoaderSwap is held for its side effect (thread context class loader)
    private static void checkOurPlugin(String className, Set<? extends PluginDesc<?>> discovered,
                                       Map<String, Map<String, String>> exampleConfigs) {
        PluginDesc<?> desc = discovered.stream().filter(d -> d.className().equals(className)).findFirst()
                .orElseThrow(() -> new AssertionError(className + " is listed in our jar's ServiceLoader manifest "
                        + "but Connect did not discover it"));
        assertLocatedIn(TRANSFORMS, desc);
        assertEquals(property("mongorow.version"), desc.version(), className + " version()");

        Object plugin;
        try {
            plugin = plugins.newPlugin(className, null);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(className + " cannot be instantiated by class name", e);
        }
        Map<String, String> config = configFor(className, exampleConfigs);
        try (LoaderSwap ignored = plugins.withClassLoader(plugin.getClass().getClassLoader())) {
            if (plugin instanceof Transformation<?> t) {
                assertNotNull(t.config(), className + ".config()");
                t.configure(config);
                t.close();
            } else {
                Predicate<?> p = (Predicate<?>) plugin;
                assertNotNull(p.config(), className + ".config()");
                p.configure(config);
                p.close();
            }
        } catch (ConfigException e) {
            throw new AssertionError(className + " rejects the config " + config.keySet() + " taken from the example "
                    + "connector config (src/component/etc; a plugin whose keys all have defaults gets an empty "
                    + "config): " + e.getMessage(), e);
        }
    }

    /**
     * The config a plugin is checked with: its settings in the component's example connector config
     * (src/component/etc), else those of its sibling (Foo$Key for Foo$Value), else an empty config, which is enough
     * for a plugin whose every key has a default.
     */
    private static Map<String, String> configFor(String className, Map<String, Map<String, String>> exampleConfigs) {
        Map<String, String> own = exampleConfigs.get(className);
        if (own != null) {
            return own;
        }
        String outer = outerName(className);
        return exampleConfigs.entrySet().stream().filter(e -> outerName(e.getKey()).equals(outer))
                .map(Map.Entry::getValue).findFirst().orElse(Map.of());
    }

    private static String outerName(String className) {
        int dollar = className.indexOf('$');
        return dollar < 0 ? className : className.substring(0, dollar);
    }

    /** transforms.ALIAS.* and predicates.ALIAS.* of the example connector config, keyed by their type. */
    private static Map<String, Map<String, String>> exampleConfigsByClass() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Path.of(property("mongorow.component.example")).toFile());
        JsonNode config = root.has("config") ? root.get("config") : root;
        Map<String, String> flat = new LinkedHashMap<>();
        config.properties().forEach(e -> flat.put(e.getKey(), e.getValue().asText()));
        Map<String, Map<String, String>> byClass = new HashMap<>();
        for (String kind : List.of("transforms", "predicates")) {
            for (String alias : flat.getOrDefault(kind, "").split(",")) {
                String prefix = kind + "." + alias.trim() + ".";
                String type = flat.get(prefix + "type");
                if (alias.isBlank() || type == null) {
                    continue;
                }
                Map<String, String> props = new HashMap<>();
                flat.forEach((k, v) -> {
                    if (k.startsWith(prefix)) {
                        props.put(k.substring(prefix.length()), v);
                    }
                });
                // Keys the worker consumes itself, not the plugin.
                props.keySet().removeAll(List.of("type", "predicate", "negate", "version"));
                byClass.putIfAbsent(type, props);
            }
        }
        return byClass;
    }

    @Test
    @SuppressWarnings("try")
    void thirdPartyConnectorsAreDiscoveredInTheirOwnFolders() throws Exception {
        PluginDesc<?> mongoSink = find(plugins.sinkConnectors(), MONGO_SINK);
        PluginDesc<?> mongoSource = find(plugins.sourceConnectors(), MONGO_SOURCE);
        PluginDesc<?> jdbcSink = find(plugins.sinkConnectors(), JDBC_SINK);
        assertLocatedIn(MONGODB, mongoSink);
        assertLocatedIn(MONGODB, mongoSource);
        assertLocatedIn(DEBEZIUM, jdbcSink);
        assertEquals(property("mongo-kafka-connect.version"), mongoSink.version());
        assertEquals(property("mongo-kafka-connect.version"), mongoSource.version());
        assertEquals(property("debezium.version"), jdbcSink.version());

        for (String className : List.of(MONGO_SINK, MONGO_SOURCE, JDBC_SINK)) {
            Connector connector = plugins.newConnector(className);
            try (LoaderSwap ignored = plugins.withClassLoader(connector.getClass().getClassLoader())) {
                assertNotNull(connector.config(), className + ".config()");
                assertFalse(connector.config().names().isEmpty(), className + ".config()");
            }
        }

        // The MongoDB driver the connector sees is the line it declares, from its own folder.
        ClassLoader mongoLoader = plugins.newConnector(MONGO_SINK).getClass().getClassLoader();
        Class<?> driverVersion = Class.forName("com.mongodb.internal.build.MongoDriverVersion", true, mongoLoader);
        assertEquals(property("mongo-kafka-connect.mongodb-driver.version"), driverVersion.getField("VERSION").get(null));
        assertLocatedIn(MONGODB, driverVersion);

        // The JDBC sink sees the pinned MySQL and MariaDB drivers, from its own folder.
        ClassLoader jdbcLoader = plugins.newConnector(JDBC_SINK).getClass().getClassLoader();
        assertDriver(jdbcLoader, "com.mysql.cj.jdbc.Driver", property("mysql-connector-j.version"));
        assertDriver(jdbcLoader, "org.mariadb.jdbc.Driver", property("mariadb-java-client.version"));
    }

    private static void assertDriver(ClassLoader loader, String className, String pinnedVersion) throws Exception {
        Class<?> klass = Class.forName(className, true, loader);
        assertLocatedIn(DEBEZIUM, klass);
        Driver driver = (Driver) klass.getDeclaredConstructor().newInstance();
        assertTrue(pinnedVersion.startsWith(driver.getMajorVersion() + "." + driver.getMinorVersion() + "."),
                className + " is " + driver.getMajorVersion() + "." + driver.getMinorVersion() + ", pinned " + pinnedVersion);
    }

    @Test
    void everyPluginInTheFoldersHasAServiceLoaderManifest() {
        // HYBRID_FAIL scans every class reflectively AND service-loads, and throws if the reflective scan finds a
        // plugin that the ServiceLoader does not: exactly the plugins a service_load worker would miss.
        Plugins hybrid = new Plugins(workerProps(PluginDiscoveryMode.HYBRID_FAIL));

        // Same set either way, plugin by plugin (type, class, version, folder), for all types incl. converters.
        assertEquals(isolated(plugins), isolated(hybrid));
        assertTrue(isolated(hybrid).stream().anyMatch(row -> row.startsWith(PluginType.CONVERTER + " ")),
                "no converter found at all: the comparison would be vacuous for converters");

        // The check is live: without the manifests sync-manifests added, HYBRID_FAIL does report mongo-kafka-connect.
        assertTrue(Files.exists(PLUGINS.resolve(MONGODB).resolve("connect-plugin-path-shim-1.0.0.jar")),
                "sync-manifests did not write the mongo-kafka-connect manifests");
    }

    @Test
    void withoutGeneratedManifestsHybridFailReportsTheConnectors(@TempDir Path tmp)
            throws IOException {
        // Copy the mongo-kafka-connect folder without the generated shim jar: Connect must then refuse it.
        Path folder = Files.createDirectories(tmp.resolve(MONGODB));
        for (String jar : children(PLUGINS.resolve(MONGODB), p -> !p.getFileName().toString()
                .equals("connect-plugin-path-shim-1.0.0.jar"))) {
            Files.copy(PLUGINS.resolve(MONGODB).resolve(jar), folder.resolve(jar));
        }
        Map<String, String> props = Map.of(WorkerConfig.PLUGIN_PATH_CONFIG, tmp.toString(),
                WorkerConfig.PLUGIN_DISCOVERY_CONFIG, PluginDiscoveryMode.HYBRID_FAIL.name());
        RuntimeException e = assertThrows(RuntimeException.class, () -> new Plugins(props));
        assertTrue(e.getMessage().contains(MONGO_SINK) && e.getMessage().contains(MONGO_SOURCE), e.getMessage());
    }

    /** Plugins found in the plugin.path folders (not on the test's class path), one row per plugin. */
    private static SortedSet<String> isolated(Plugins p) {
        List<Set<? extends PluginDesc<?>>> all = List.of(p.sinkConnectors(), p.sourceConnectors(), p.converters(),
                p.headerConverters(), p.transformations(), p.predicates(), p.connectorClientConfigPolicies());
        return all.stream().flatMap(Set::stream)
                .filter(d -> !"classpath".equals(d.location()))
                .map(d -> d.type() + " " + d.className() + " " + d.version() + " " + folderOf(d.location()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<String, String> workerProps(PluginDiscoveryMode mode) {
        return Map.of(WorkerConfig.PLUGIN_PATH_CONFIG, PLUGINS.toString(),
                WorkerConfig.PLUGIN_DISCOVERY_CONFIG, mode.name());
    }

    private static PluginDesc<?> find(Set<? extends PluginDesc<?>> found, String className) {
        return found.stream().filter(d -> d.className().equals(className)).findFirst()
                .orElseThrow(() -> new AssertionError(className + " not discovered; found: "
                        + found.stream().map(PluginDesc::className).toList()));
    }

    private static void assertLocatedIn(String folder, PluginDesc<?> desc) {
        assertEquals(folder, folderOf(desc.location()), desc.className() + " loaded from " + desc.location());
    }

    private static void assertLocatedIn(String folder, Class<?> klass) {
        String source = String.valueOf(klass.getProtectionDomain().getCodeSource().getLocation());
        assertTrue(source.contains("/" + folder + "/"), klass.getName() + " loaded from " + source);
    }

    /** The plugin.path sub-folder a plugin location (a file: URL of the folder) points at. */
    private static String folderOf(String location) {
        String trimmed = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    static List<String> serviceEntries(Path jar, Class<?> service) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry entry = file.getEntry("META-INF/services/" + service.getName());
            if (entry == null) {
                return List.of();
            }
            try (InputStream in = file.getInputStream(entry);
                 BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                return reader.lines().map(l -> l.replaceFirst("#.*", "").trim()).filter(l -> !l.isEmpty()).toList();
            }
        }
    }

    static Path single(Path folder, String prefix) throws IOException {
        Set<String> matches = children(folder, p -> p.getFileName().toString().startsWith(prefix));
        assertEquals(1, matches.size(), "expected one " + prefix + "*.jar in " + folder + ", found " + matches);
        return folder.resolve(matches.iterator().next());
    }

    static Set<String> children(Path folder, java.util.function.Predicate<Path> filter) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(filter).map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            fail("system property " + name + " is not set (the failsafe configuration in connect-plugins/pom.xml sets it)");
        }
        return value;
    }
}

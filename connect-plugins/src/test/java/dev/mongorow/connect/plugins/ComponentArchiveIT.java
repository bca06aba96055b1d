package dev.mongorow.connect.plugins;

import static dev.mongorow.connect.plugins.PluginPathIT.PLUGINS;
import static dev.mongorow.connect.plugins.PluginPathIT.TRANSFORMS;
import static dev.mongorow.connect.plugins.PluginPathIT.children;
import static dev.mongorow.connect.plugins.PluginPathIT.property;
import static dev.mongorow.connect.plugins.PluginPathIT.serviceEntries;
import static dev.mongorow.connect.plugins.PluginPathIT.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The built Confluent Hub component archive of our transforms: layout, manifest, and what it ships. */
class ComponentArchiveIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Confluent Hub: an owner name has 2 to 255 lowercase letters, digits and underscores. */
    private static final Pattern OWNER = Pattern.compile("[a-z0-9_]{2,255}");
    /** A connect config provider reference, ${provider:[path:]key}. */
    private static final Pattern PROVIDER_REFERENCE = Pattern.compile("\\$\\{[^}:]+:[^}]+}");

    private static Path zipPath;
    private static String top;
    /** Entry name below the top folder -> content. */
    private static final Map<String, byte[]> ENTRIES = new TreeMap<>();

    @BeforeAll
    static void readArchive() throws IOException {
        zipPath = Path.of(property("mongorow.component.zip"));
        String fileName = zipPath.getFileName().toString();
        top = fileName.substring(0, fileName.length() - ".zip".length());
        try (ZipFile zip = new ZipFile(zipPath.toFile())) {
            for (ZipEntry entry : zip.stream().filter(e -> !e.isDirectory()).toList()) {
                assertTrue(entry.getName().startsWith(top + "/"), entry.getName() + " is outside the top folder " + top);
                try (InputStream in = zip.getInputStream(entry)) {
                    ENTRIES.put(entry.getName().substring(top.length() + 1), in.readAllBytes());
                }
            }
        }
    }

    @Test
    void manifestHasTheConfluentHubFields() throws IOException {
        String text = text("manifest.json");
        assertFalse(text.contains("${"), "unfiltered placeholder in manifest.json:\n" + text);
        JsonNode manifest = JSON.readTree(text);
        for (String field : List.of("name", "version", "title", "description", "owner", "support", "tags",
                "requirements", "features", "license", "component_types", "release_date")) {
            assertTrue(manifest.hasNonNull(field), "manifest.json lacks " + field);
        }
        assertEquals(property("mongorow.version"), manifest.get("version").asText());
        assertTrue(OWNER.matcher(manifest.at("/owner/username").asText()).matches(), "owner.username");
        assertTrue(manifest.at("/features/single_message_transforms").asBoolean(), "features.single_message_transforms");
        assertEquals("Apache-2.0", manifest.at("/license/0/name").asText());
        assertEquals(List.of("transform", "converter"), strings(manifest.get("component_types"))); // StrictStringConverter
        assertTrue(manifest.get("release_date").asText().matches("\\d{4}-\\d{2}-\\d{2}"), "release_date");
        assertFalse(strings(manifest.get("tags")).isEmpty(), "tags");
        assertFalse(strings(manifest.get("requirements")).isEmpty(), "requirements");
    }

    @Test
    void libHoldsExactlyThePluginFolderJars() throws IOException {
        Set<String> lib = ENTRIES.keySet().stream().filter(n -> n.startsWith("lib/"))
                .map(n -> n.substring("lib/".length())).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(children(PLUGINS.resolve(TRANSFORMS), p -> p.toString().endsWith(".jar")), lib);
        Set<String> topLevel = ENTRIES.keySet().stream().map(n -> n.contains("/") ? n.substring(0, n.indexOf('/')) : n)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("manifest.json", "lib", "doc", "etc"), topLevel);
    }

    @Test
    void docHasReadmeCoveringEveryPluginAndTheLicense() throws IOException {
        String readme = text("doc/README.md");
        assertFalse(readme.contains("${"), "unfiltered placeholder in doc/README.md");
        String license = text("doc/LICENSE");
        assertTrue(license.contains("Apache License") && license.contains("Version 2.0"), "doc/LICENSE");

        Path jar = single(PLUGINS.resolve(TRANSFORMS), "mongorow-connect-transforms-");
        List<String> plugins = new ArrayList<>(serviceEntries(jar, Transformation.class));
        plugins.addAll(serviceEntries(jar, Predicate.class));
        List<String> undocumented = plugins.stream().map(c -> c.replaceFirst("\\$.*", ""))
                .filter(c -> !readme.contains(c)).distinct().toList();
        assertEquals(List.of(), undocumented, "plugins missing from the component's doc/README.md");
    }

    @Test
    void etcHoldsAConnectorConfigWithoutSecrets() throws IOException {
        List<String> configs = ENTRIES.keySet().stream().filter(n -> n.startsWith("etc/") && n.endsWith(".json")).toList();
        assertFalse(configs.isEmpty(), "no example connector config in etc/");
        for (String name : configs) {
            JsonNode root = JSON.readTree(text(name));
            JsonNode config = root.has("config") ? root.get("config") : root;
            assertNotNull(config.get("transforms"), name + " does not use transforms");
            config.properties().forEach(e -> {
                String key = e.getKey().toLowerCase();
                if (key.contains("password") || key.contains("secret") || key.endsWith(".key")) {
                    assertTrue(PROVIDER_REFERENCE.matcher(e.getValue().asText()).matches(),
                            name + ": " + e.getKey() + " must come from a config provider, not be written inline");
                }
            });
        }
    }

    private static String text(String name) {
        byte[] bytes = ENTRIES.get(name);
        assertNotNull(bytes, name + " missing from " + zipPath + "; entries: " + ENTRIES.keySet());
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}

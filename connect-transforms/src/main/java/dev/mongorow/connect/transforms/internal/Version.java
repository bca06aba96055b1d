package dev.mongorow.connect.transforms.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The artifact version, filtered into a resource at build time, for {@code Versioned#version()}. */
public final class Version {
    private static final String VERSION = load();

    private Version() {
    }

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/mongorow-transforms-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown").trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}

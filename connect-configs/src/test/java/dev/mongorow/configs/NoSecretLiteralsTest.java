package dev.mongorow.configs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * No credential is written as a literal in what people copy from: the connector configs (and everything
 * else under connect-configs/), the Airflow DAGs, the example connector config of the component archive,
 * and every README and doc of the repository. Connect reads secrets through config providers
 * ({@code ${env:...}}, {@code ${file:...}}), Airflow through Connections; examples show placeholders
 * ({@code <password>}, {@code ...}, {@code ${VAR}}, {@code $(command)}).
 *
 * <p>What counts as a literal: a value assigned to a key named like a credential ({@code password},
 * {@code secret}, {@code token}, {@code api_key}, {@code sasl.jaas.config} and the {@code password="..."}
 * inside a JAAS line), a password inside a URL ({@code scheme://user:password@host}), or a private key block.
 */
class NoSecretLiteralsTest {

    static final Path ROOT = Path.of(System.getProperty("configs.dir", ".")).toAbsolutePath().normalize().getParent();

    private static final Pattern CREDENTIAL_ASSIGNMENT = Pattern.compile(
            "(?i)[\"']?[\\w.-]*(password|passwd|secret|token|api[_-]?key)[\"']?\\s*(?:=|:)\\s*"
                    + "(\"[^\"\\n]*\"|'[^'\\n]*'|[^\\s,;)}\\]`|]+)");
    private static final Pattern URL_CREDENTIALS = Pattern.compile("[a-z][a-z0-9+.-]*://([^/\\s:@'\"`]+):([^@\\s/'\"`]+)@");
    private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----");
    /** Words that are placeholders, not secrets. */
    private static final Set<String> PLACEHOLDER_WORDS = Set.of("", "pass", "password", "passwd", "secret", "token",
            "changeme", "change-me", "example", "xxx", "xxxx", "redacted", "none", "null", "true", "false", "hidden",
            "your-password", "yourpassword", "pw", "pwd", "s3cret");

    /** Files people copy from. */
    static List<Path> scannedFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(ROOT)) {
            all.filter(Files::isRegularFile).forEach(f -> {
                String rel = ROOT.relativize(f).toString().replace('\\', '/');
                if (rel.startsWith(".") || rel.contains("/target/") || rel.startsWith("target/") || rel.contains("node_modules/")
                        || rel.contains("/.venv/") || rel.contains("__pycache__") || rel.contains("/src/test/")) {
                    return;
                }
                boolean configs = rel.startsWith("connect-configs/");
                boolean dags = rel.startsWith("airflow/dags/") && rel.endsWith(".py");
                boolean docs = rel.endsWith(".md");
                boolean example = rel.startsWith("connect-plugins/src/component/etc/");
                if (configs || dags || docs || example) {
                    files.add(f);
                }
            });
        }
        return files;
    }

    /** Findings of one text: "line N: reason". */
    static List<String> findings(String text) {
        List<String> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher m = CREDENTIAL_ASSIGNMENT.matcher(line);
            while (m.find()) {
                String value = unquote(m.group(2));
                if (!isPlaceholder(value) && !isCode(m.group(2))) {
                    out.add("line " + (i + 1) + ": '" + m.group(0).trim() + "' assigns a literal credential");
                }
            }
            Matcher u = URL_CREDENTIALS.matcher(line);
            while (u.find()) {
                if (!isPlaceholder(u.group(2))) {
                    out.add("line " + (i + 1) + ": a URL carries a password (" + u.group(1) + ":***@)");
                }
            }
            if (PRIVATE_KEY.matcher(line).find()) {
                out.add("line " + (i + 1) + ": a private key block");
            }
        }
        return out;
    }

    private static String unquote(String v) {
        String s = v.trim();
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }

    /** An unquoted value that is an expression, not a literal: a name, a call, an attribute, a type. */
    private static boolean isCode(String raw) {
        String s = raw.trim();
        return !(s.startsWith("\"") || s.startsWith("'")) && s.matches("[A-Za-z_][\\w.]*(\\(.*)?") && !s.matches(".*\\d.*[A-Za-z].*\\d.*");
    }

    static boolean isPlaceholder(String value) {
        String v = value.trim();
        String lower = v.toLowerCase(Locale.ROOT);
        return PLACEHOLDER_WORDS.contains(lower)
                || v.contains("${") || v.contains("{{") || v.contains("$(") || v.startsWith("$") || v.startsWith("%")
                || v.contains("...") || v.contains("***") || v.contains("…")
                || (v.startsWith("<") && v.endsWith(">")) || v.startsWith("[") || v.startsWith("{")
                || lower.startsWith("your") || lower.contains("placeholder") || lower.contains("example")
                || v.length() < 6; // too short to be a password here ("pw", "x"): an example of the syntax
    }

    @Test
    void theScannerCatchesLiteralsAndLetsPlaceholdersThrough() {
        assertEquals(1, findings("\"connection.password\": \"Sup3rS3cretValue\"").size());
        assertEquals(1, findings("sasl.jaas.config=...ScramLoginModule required username=\"connect\" password=\"k2Jd8s0aL1x9Q\";").size());
        assertEquals(1, findings("./pipeline up --mongodb-uri 'mongodb://admin:Pa55w0rdReal@host/?tls=true'").size());
        assertEquals(1, findings("-----BEGIN RSA PRIVATE KEY-----").size());
        assertEquals(1, findings("    password='hunter2hunter2',").size());
        for (String fine : List.of(
                "\"connection.password\": \"${env:MONGOROW_MYSQL_SINK_PASSWORD}\"",
                "\"transforms.pii.hmac.secret\": \"${file:/etc/secrets/pii.properties:hmac.secret}\"",
                "./pipeline up --mongodb-uri 'mongodb://user:pass@host1,host2/?replicaSet=rs0&tls=true'",
                "\"password\": \"...\"",
                "password: <the admin password>",
                "curl -u \"admin:$(sed -n 's/^admin: *//p' $S/connect-rest-users.properties)\" https://127.0.0.1:18083/connectors",
                "password=conn.password",
                "login=conn.login, password=conn.password,",
                "| `hmac.secret` | password | null |  | high | Secret key of the HMAC |")) {
            assertEquals(List.of(), findings(fine), fine);
        }
    }

    @Test
    void noCredentialIsWrittenAsALiteralInConfigsDagsOrDocs() throws IOException {
        List<Path> files = scannedFiles();
        assertTrue(files.stream().anyMatch(f -> f.endsWith("connect-configs/connectors/mysql-sink.json")), "scans the configs");
        assertTrue(files.stream().anyMatch(f -> f.toString().contains("/airflow/dags/")), "scans the DAGs");
        assertTrue(files.stream().anyMatch(f -> f.equals(ROOT.resolve("README.md"))), "scans the README");
        List<String> problems = new ArrayList<>();
        for (Path f : files) {
            for (String finding : findings(Files.readString(f, StandardCharsets.UTF_8))) {
                problems.add(ROOT.relativize(f) + " " + finding);
            }
        }
        assertTrue(problems.isEmpty(), "credentials written as literals (use a config provider, an Airflow Connection,"
                + " or a placeholder in examples):\n  " + String.join("\n  ", problems));
    }
}

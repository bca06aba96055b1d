package dev.mongorow.connect.rest;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.security.JaasUtils;

/**
 * What a connector config may reference through the worker's config providers, read from the worker's own
 * settings: a {@code ${alias:path:key}} must name a configured provider, a path within the provider's
 * {@code allowed.paths} when it has them, a variable matching its {@code allowlist.pattern} when it has one; and no
 * value may name a JAAS login module the worker disallows ({@code org.apache.kafka.disallowed.login.modules}).
 *
 * <p>The providers enforce the same bounds themselves, by leaving such a reference unresolved: the connector then
 * starts with the placeholder text as its value and nobody is told. Checking the config when it is submitted turns
 * that into a refusal that names the key and the reference.
 */
final class ReferencePolicy {
    /** One provider of the worker: its alias and the bounds it was configured with (null: none). */
    record Provider(String alias, String className, List<Path> allowedPaths, Pattern allowlist) {
    }

    private final Map<String, Provider> providers;
    private final List<String> disallowedLoginModules;

    ReferencePolicy(Map<String, Provider> providers, List<String> disallowedLoginModules) {
        this.providers = providers;
        this.disallowedLoginModules = disallowedLoginModules;
    }

    @Override
    public String toString() {
        return "config providers " + providers.values() + ", disallowed login modules " + disallowedLoginModules;
    }

    /** The policy of a worker, from its configuration (what Connect hands a REST extension's {@code configure}). */
    static ReferencePolicy fromWorkerConfig(Map<String, ?> worker) {
        Map<String, Provider> providers = new LinkedHashMap<>();
        for (String alias : providerAliases(worker)) {
            String prefix = "config.providers." + alias;
            String className = string(worker.get(prefix + ".class"));
            List<Path> allowed = null;
            String paths = string(worker.get(prefix + ".param.allowed.paths"));
            if (paths != null && !paths.isBlank()) {
                allowed = new ArrayList<>();
                for (String p : list(paths)) {
                    allowed.add(Path.of(p).toAbsolutePath().normalize());
                }
            }
            Pattern allowlist = null;
            String pattern = string(worker.get(prefix + ".param.allowlist.pattern"));
            if (pattern != null && !pattern.isBlank()) {
                try {
                    allowlist = Pattern.compile(pattern);
                } catch (PatternSyntaxException e) {
                    allowlist = Pattern.compile("(?!)"); // the provider would refuse every variable too
                }
            }
            providers.put(alias, new Provider(alias, className, allowed, allowlist));
        }
        // the JVM's list, else Kafka's default: what the worker's own Kafka clients refuse
        String modules = System.getProperty(JaasUtils.DISALLOWED_LOGIN_MODULES_CONFIG, JaasUtils.DISALLOWED_LOGIN_MODULES_DEFAULT);
        return new ReferencePolicy(providers, list(modules));
    }

    /**
     * The aliases of {@code config.providers}. Connect hands a REST extension the worker config without that key
     * (it consumes it when it resolves the worker's own variables): the aliases are then those with a
     * {@code config.providers.<alias>.class}.
     */
    private static List<String> providerAliases(Map<String, ?> worker) {
        List<String> listed = list(worker.get("config.providers"));
        if (!listed.isEmpty()) {
            return listed;
        }
        Pattern classKey = Pattern.compile("config\\.providers\\.([^.]+)\\.class");
        return worker.keySet().stream().map(classKey::matcher).filter(Matcher::matches).map(m -> m.group(1))
                .sorted().toList();
    }

    /** Every problem of {@code config}, each naming its key; empty when the config may be submitted. */
    List<String> violations(Map<String, String> config) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> entry : config.entrySet()) {
            String key = entry.getKey();
            String value = entry.getValue();
            if (value == null) {
                continue;
            }
            Matcher m = ConfigTransformer.DEFAULT_PATTERN.matcher(value);
            while (m.find()) {
                String problem = problem(m.group(0), m.group(1), m.group(3), m.group(4));
                if (problem != null) {
                    problems.add("'" + key + "': " + problem);
                }
            }
            for (String module : disallowedLoginModules) {
                if (value.contains(module)) {
                    problems.add("'" + key + "': uses the JAAS login module " + module + ", which this worker disallows");
                }
            }
        }
        return problems;
    }

    private String problem(String reference, String alias, String path, String variable) {
        Provider provider = providers.get(alias);
        if (provider == null) {
            return reference + " names no config provider of this worker (config.providers=" + String.join(",",
                    providers.keySet()) + ")";
        }
        if (provider.allowedPaths() != null && path != null) {
            Path target;
            try {
                target = Path.of(path).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                return reference + " is not a valid path";
            }
            if (provider.allowedPaths().stream().noneMatch(target::startsWith)) {
                return reference + " reads " + target + ", outside the allowed.paths of provider '" + alias + "'";
            }
        }
        if (provider.allowlist() != null && path == null && !provider.allowlist().matcher(variable).matches()) {
            return reference + " reads variable " + variable + ", which provider '" + alias
                    + "' does not allow (allowlist.pattern " + provider.allowlist().pattern() + ")";
        }
        return null;
    }

    private static List<String> list(Object value) {
        String text = string(value);
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static String string(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> l) {
            return String.join(",", l.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }
}

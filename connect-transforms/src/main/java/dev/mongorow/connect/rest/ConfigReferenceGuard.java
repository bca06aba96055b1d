package dev.mongorow.connect.rest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.apache.kafka.connect.rest.ConnectRestExtension;
import org.apache.kafka.connect.rest.ConnectRestExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mongorow.connect.transforms.internal.Version;

/**
 * A Kafka Connect REST extension ({@code rest.extension.classes}) that refuses, with HTTP 400 and Connect's error
 * body, a connector config that references what the worker's config providers must not hand out, or that names a
 * disallowed JAAS login module (see {@link ReferencePolicy}). It checks the requests that submit a config:
 * {@code POST /connectors}, {@code PUT} and {@code PATCH /connectors/{name}/config}, and
 * {@code PUT /connector-plugins/{class}/config/validate} (whose answer would otherwise show what a reference
 * resolves to). Everything else passes untouched, as does any body it cannot read (Connect answers that itself).
 */
public class ConfigReferenceGuard implements ConnectRestExtension {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReferenceGuard.class);
    private ReferencePolicy policy;

    @Override
    public void configure(Map<String, ?> workerConfig) {
        policy = ReferencePolicy.fromWorkerConfig(workerConfig);
        LOG.info("Connector configs are checked against {}", policy);
    }

    @Override
    public void register(ConnectRestExtensionContext context) {
        context.configurable().register(new Filter(policy));
    }

    @Override
    public void close() {
    }

    @Override
    public String version() {
        return Version.get();
    }

    /** Runs after authentication (a REST extension's basic auth filter has the AUTHENTICATION priority). */
    @Priority(Priorities.USER)
    static final class Filter implements ContainerRequestFilter {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final ReferencePolicy policy;

        Filter(ReferencePolicy policy) {
            this.policy = policy;
        }

        @Override
        public void filter(ContainerRequestContext request) throws IOException {
            String method = request.getMethod();
            if (!"POST".equals(method) && !"PUT".equals(method) && !"PATCH".equals(method)) {
                return;
            }
            String path = request.getUriInfo().getPath();
            path = path.startsWith("/") ? path.substring(1) : path;
            String[] segments = path.split("/");
            boolean create = "POST".equals(method) && segments.length == 1 && "connectors".equals(segments[0]);
            boolean config = !"POST".equals(method) && segments.length == 3 && "connectors".equals(segments[0])
                    && "config".equals(segments[2]);
            boolean validate = "PUT".equals(method) && segments.length == 4 && "connector-plugins".equals(segments[0])
                    && "config".equals(segments[2]) && "validate".equals(segments[3]);
            if (!create && !config && !validate) {
                return;
            }
            byte[] body = request.getEntityStream().readAllBytes();
            request.setEntityStream(new ByteArrayInputStream(body));
            Map<String, String> submitted = configOf(body, create);
            if (submitted == null) {
                return;
            }
            List<String> problems = policy.violations(submitted);
            if (problems.isEmpty()) {
                return;
            }
            String message = "Connector config refused by " + ConfigReferenceGuard.class.getSimpleName() + ": "
                    + String.join("; ", problems);
            LOG.warn("{} /{}: {}", method, path, message);
            ObjectNode error = JSON.createObjectNode().put("error_code", 400).put("message", message);
            request.abortWith(Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(JSON.writeValueAsString(error)).build());
        }

        /** The submitted config as strings (POST /connectors wraps it in {"name", "config"}); null if unreadable. */
        private static Map<String, String> configOf(byte[] body, boolean create) {
            JsonNode root;
            try {
                root = JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
            JsonNode config = create && root != null ? root.get("config") : root;
            if (config == null || !config.isObject()) {
                return null;
            }
            Map<String, String> out = new LinkedHashMap<>();
            config.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? null
                    : e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
            return out;
        }
    }
}

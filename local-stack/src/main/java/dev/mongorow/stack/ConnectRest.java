package dev.mongorow.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The few Connect REST calls the stack needs (readiness and status): plain http, or in secure mode https
 * trusting the development CA only, with HTTP basic auth as the REST user {@code admin}.
 */
final class ConnectRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient PLAIN = client(null);

    private final HttpClient http;
    private final String authorization;

    private ConnectRest(HttpClient http, String authorization) {
        this.http = http;
        this.authorization = authorization;
    }

    static final ConnectRest PLAIN_HTTP = new ConnectRest(PLAIN, null);

    /** Over TLS (trusting {@code ssl}'s anchors), with the given {@code Authorization} header value. */
    static ConnectRest secure(SSLContext ssl, String authorization) {
        return new ConnectRest(client(ssl), authorization);
    }

    static HttpClient client(SSLContext ssl) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        return b.build();
    }

    /** GET that must answer 200 with JSON; throws with the status and body otherwise. */
    JsonNode get(String baseUrl, String path, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET();
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            String body = resp.body() == null ? "" : resp.body();
            throw new IOException("GET " + path + " answered " + resp.statusCode()
                    + (body.isBlank() ? "" : ": " + body.substring(0, Math.min(200, body.length()))));
        }
        return JSON.readTree(resp.body());
    }
}

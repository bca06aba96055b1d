package dev.mongorow.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The few Connect REST calls the stack needs (readiness and status). */
final class ConnectRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private ConnectRest() { }

    /** GET that must answer 200 with JSON; throws with the status and body otherwise. */
    static JsonNode get(String baseUrl, String path, Duration timeout) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<String> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            String body = resp.body() == null ? "" : resp.body();
            throw new IOException("GET " + path + " answered " + resp.statusCode()
                    + (body.isBlank() ? "" : ": " + body.substring(0, Math.min(200, body.length()))));
        }
        return JSON.readTree(resp.body());
    }
}

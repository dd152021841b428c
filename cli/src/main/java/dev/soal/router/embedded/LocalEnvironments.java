package dev.soal.router.embedded;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.soal.core.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The local Lambda service's environments as another process sees them: {@code GET /soal/environments} on its Invoke
 * API (a SoAL extension; AWS shows no environments). {@code soal status} lists them; a {@code soal run} that joined a
 * stack that is up asks whether a tier has one idle, as the host's router does for its own.
 */
public final class LocalEnvironments {
    public static final String PATH = "/soal/environments";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private LocalEnvironments() {
    }

    /** One environment: its function, state ({@code INIT}, {@code IDLE}, {@code BUSY}), process and invocations. */
    public record Environment(String id, String function, String state, long pid, int invocations, boolean provisioned) {
        static Environment of(LocalLambdaService.EnvironmentView v) {
            return new Environment(v.id(), v.function(), v.state(), v.pid(), v.invocations(), v.provisioned());
        }
    }

    /** The answer's body. */
    static String json(List<LocalLambdaService.EnvironmentView> views) {
        return Json.write(views.stream().map(Environment::of).toList());
    }

    /** The environments of the service at {@code endpoint}; throws {@link IOException} when it does not answer. */
    public static List<Environment> fetch(URI endpoint) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(endpoint.resolve(PATH)).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("the local Lambda service at " + endpoint + " answered " + r.statusCode() + " to GET " + PATH);
            }
            return Json.mapper().readValue(r.body(), new TypeReference<List<Environment>>() { });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Whether the service at {@code endpoint} has an idle environment of {@code function}; false when it does not answer. */
    public static boolean idle(URI endpoint, String function) {
        try {
            return fetch(endpoint).stream().anyMatch(e -> e.function().equals(function) && e.state().equals("IDLE"));
        } catch (IOException e) {
            return false;
        }
    }
}

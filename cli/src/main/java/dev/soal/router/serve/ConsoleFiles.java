package dev.soal.router.serve;

import dev.soal.router.api.ApiResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The jobs console's static files, from the classpath ({@code console/} beside this class): {@code /} is its page,
 * {@code /console/<file>} its script and styles. They load without the token, which the page takes from its address
 * ({@code ?token=}) and sends with every API call; only these names are served, so nothing else on the classpath is.
 * The page may talk to this server alone ({@code Content-Security-Policy}), and nothing comes from a CDN.
 */
final class ConsoleFiles {
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html", "/index.html", "index.html",
            "/console/console.js", "console.js", "/console/console.css", "console.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");
    static final String POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

    private ConsoleFiles() {
    }

    /** The file for a GET of {@code path}, or empty when the path is not one of the console's. */
    static Optional<ApiResponse> get(String method, String path) {
        String name = FILES.get(path);
        if (name == null || !(method.equals("GET") || method.equals("HEAD"))) {
            return Optional.empty();
        }
        try (InputStream in = ConsoleFiles.class.getResourceAsStream("console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + name + " is missing from the classpath");
            }
            String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
            return Optional.of(new ApiResponse(200, Map.of("Content-Type", type, "Cache-Control", "no-cache",
                    "X-Content-Type-Options", "nosniff", "Content-Security-Policy", POLICY, "Referrer-Policy", "no-referrer"),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

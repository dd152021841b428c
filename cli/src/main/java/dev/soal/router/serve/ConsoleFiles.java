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

    /**
     * What the page needs to know of where it is served, at {@code /console/settings.json}: where the S3 objects it
     * names can be seen (the embedded S3 server's folder, or the AWS console for a deployed stack), and where
     * {@code soal history} listens. No secret is in it: it loads without the token, as the other files.
     *
     * @param localBuckets the folder the embedded S3 server keeps its buckets in; null elsewhere
     * @param awsConsole   the objects are in AWS: link them to the S3 console
     */
    record Settings(String localBuckets, boolean awsConsole, String history) {
        static Settings embedded(java.nio.file.Path buckets) {
            return new Settings(buckets == null ? null : buckets.toString(), false, HISTORY);
        }

        static Settings aws(boolean aws) {
            return new Settings(null, aws, HISTORY);
        }
    }

    /** Where {@code soal history} serves by default. */
    static final String HISTORY = "http://127.0.0.1:" + dev.soal.router.embedded.HistoryServer.DEFAULT_PORT;

    /** The file for a GET of {@code path}, or empty when the path is not one of the console's. */
    static Optional<ApiResponse> get(String method, String path, Settings settings) {
        if (path.equals("/console/settings.json") && (method.equals("GET") || method.equals("HEAD"))) {
            return Optional.of(new ApiResponse(200, Map.of("Content-Type", "application/json", "Cache-Control", "no-cache",
                    "X-Content-Type-Options", "nosniff"), dev.soal.core.Json.write(settings)));
        }
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

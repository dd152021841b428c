package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.S3Uri;
import dev.soal.router.serve.ServeProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's {@code soal serve} example, read from the README and run as a newcomer would, in its order, from a
 * fresh home: the server as the README starts it, the {@code curl} POST with the body it shows, the file it drops
 * under the watched prefix with the keys it shows. Each command of the block is run; one this test cannot run
 * fails it, so the README cannot gain a step nobody tried.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ReadmeServeExampleIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final String SECTION = "## The jobs API and S3 triggers: `soal serve`";
    private static final Pattern CURL = Pattern.compile("^curl .*-H \"Authorization: Bearer \\$TOKEN\".* -d '([^']*)' (http://127\\.0\\.0\\.1:\\d+)(/jobs)$");
    private static final Pattern S3_CP = Pattern.compile("^AWS_ACCESS_KEY_ID=(\\S+) AWS_SECRET_ACCESS_KEY=(\\S+) aws --endpoint-url \"\\$S3_ENDPOINT\" s3 cp (\\S+) (s3://\\S+)$");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theServeExample_worksAsWritten_fromAFreshHome() throws Exception {
        List<String> commands = commands();
        assertThat(commands).as("the README's serve example").isNotEmpty();
        assertThat(commands.get(0)).startsWith("./soal serve ");
        List<String> args = Arrays.asList(commands.get(0).substring("./soal serve ".length()).trim().split("\\s+"));
        Path home = Files.createTempDirectory("soal-readme-serve").resolve("fresh");
        int ran = 1;
        try (ServeProcess serve = ServeProcess.start(ROOT, home, null, args)) {
            for (String command : commands.subList(1, commands.size())) {
                Matcher curl = CURL.matcher(command);
                Matcher cp = S3_CP.matcher(command);
                if (curl.matches()) {
                    HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(serve.api() + curl.group(3)))
                            .header("Authorization", "Bearer " + serve.token()).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(curl.group(1))).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(posted.statusCode()).as(command + "\n-> " + posted.body() + "\n" + serve.output()).isEqualTo(202);
                    JsonNode job = awaitTerminal(serve, Json.mapper().readTree(posted.body()).path("jobId").asText());
                    assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
                } else if (cp.matches()) {
                    String object = cp.group(4);
                    try (S3Client s3 = S3Clients.create(new S3Settings(S3Settings.DEFAULT_REGION, serve.s3(), cp.group(1), cp.group(2)))) {
                        S3Uri to = S3Uri.parse(object);
                        s3.putObject(r -> r.bucket(to.bucket()).key(to.key()), RequestBody.fromFile(ROOT.resolve(cp.group(3))));
                    }
                    JsonNode job = awaitTerminal(serve, awaitJobFor(serve, object));
                    assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
                    assertThat(job.path("tags").path("trigger").asText()).isNotBlank();
                } else {
                    throw new AssertionError("the README's serve example has a command this test cannot run: " + command);
                }
                ran++;
            }
        }
        assertThat(ran).as("commands run").isEqualTo(commands.size()).isGreaterThanOrEqualTo(3);
    }

    /** The commands of the section's first bash block: continuation lines joined, comments dropped. */
    static List<String> commands() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int section = readme.indexOf(SECTION);
        assertThat(section).as("README section " + SECTION).isGreaterThanOrEqualTo(0);
        int start = readme.indexOf("```bash\n", section) + "```bash\n".length();
        String block = readme.substring(start, readme.indexOf("\n```", start));
        List<String> commands = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : block.split("\n")) {
            if (current.isEmpty() && line.trim().startsWith("#")) {
                continue;
            }
            String code = line.replaceAll("\\s+#\\s.*$", "").trim(); // a trailing comment
            if (code.endsWith("\\")) {
                current.append(code, 0, code.length() - 1).append(' ');
                continue;
            }
            current.append(code);
            commands.add(current.toString().replaceAll("\\s+", " ").trim());
            current.setLength(0);
        }
        return commands;
    }

    private String awaitJobFor(ServeProcess serve, String object) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode j : Json.mapper().readTree(get(serve, "/jobs?limit=100")).path("jobs")) {
                if (j.path("inputs").path(0).asText().equals(object)) {
                    return j.path("jobId").asText();
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no job started for " + object + "\n" + serve.output());
    }

    private JsonNode awaitTerminal(ServeProcess serve, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            job = Json.mapper().readTree(get(serve, "/jobs/" + id));
            if (job.hasNonNull("state") && JobState.valueOf(job.path("state").asText()).isTerminal()) {
                return job;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("job " + id + " did not end: " + job + "\n" + serve.output());
    }

    private String get(ServeProcess serve, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(serve.api() + path)).header("Authorization", "Bearer " + serve.token())
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}

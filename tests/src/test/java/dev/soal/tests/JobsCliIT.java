package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.Json;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.examples.ListingsGenerator;
import dev.soal.router.serve.LocalServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code soal jobs} in its own process against {@code soal serve}: submit, list, show, cancel, a dry run, with the token. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class JobsCliIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final String TOKEN = "cli-it-token";

    private record Ran(int exit, String output) {
    }

    /** {@code soal jobs ARGS} as a user runs it, with the token in {@code SOAL_TOKEN}. */
    private static Ran jobs(LocalServer server, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsoal.home=" + ROOT, "-cp", System.getProperty("java.class.path"), "dev.soal.router.cli.SoalCli", "jobs"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--api", server.uri().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SOAL_TOKEN", TOKEN);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        System.out.println("$ soal jobs " + String.join(" ", args) + "\n" + out);
        return new Ran(p.exitValue(), out);
    }

    @Test
    void submitListShowAndCancel_fromAnotherProcess_throughTheApi() throws Exception {
        Path home = Files.createTempDirectory("soal-jobs-cli-it");
        Policies policies = PolicyLoader.load(Path.of(getClass().getResource("/it-policies.yaml").toURI()));
        try (EmbeddedStack stack = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(ROOT), policies, System.out::println);
             LocalServer server = LocalServer.start(stack, policies, 0, TOKEN, System.out)) {
            String script = stack.upload(ROOT.resolve("examples/listings/neighbourhood_stats.sql"), EmbeddedStack.SCRIPTS, "stats.sql");
            Path csv = home.resolve("listings.csv");
            ListingsGenerator.write(csv, 20 * 1024, 5);
            String input = stack.upload(csv, EmbeddedStack.DATA, "cli/listings.csv");

            Ran plan = jobs(server, "submit", "--script", script, "--input", input, "--deadline", "20m", "--dry-run");
            assertThat(plan.exit()).as(plan.output()).isZero();
            assertThat(plan.output()).contains("would run on lambda 2048 MB (").contains(" in 1 object(s))").contains("predictions:")
                    .contains("  lambda 2048 MB  start 8 s");

            Ran submitted = jobs(server, "submit", "--script", script, "--input", input, "--tag", "team=cli");
            assertThat(submitted.exit()).as(submitted.output()).isZero();
            Matcher m = Pattern.compile("job (\\S+): QUEUED on lambda 2048 MB").matcher(submitted.output());
            assertThat(m.find()).as(submitted.output()).isTrue();
            String id = m.group(1);

            HttpClient http = HttpClient.newHttpClient();
            String state = "";
            for (int i = 0; i < 600 && !state.equals("SUCCEEDED") && !state.equals("FAILED"); i++) {
                Thread.sleep(250);
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.uri() + "/jobs/" + id))
                        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
                state = Json.mapper().readTree(r.body()).path("state").asText();
            }
            assertThat(state).isEqualTo("SUCCEEDED");

            Ran shown = jobs(server, "show", id);
            assertThat(shown.exit()).as(shown.output()).isZero();
            assertThat(shown.output()).contains("state        SUCCEEDED").contains("backend      lambda 2048 MB")
                    .contains("inputs       " + input + " (").contains("reasons:")
                    .contains(" <= lambda.maxInputBytes 400 MB -> lambda").contains("history:")
                    .containsPattern("usage        heap [0-9.]+ [KMG]B at its peak of [0-9.]+ [KMG]B, /tmp .*, wrote [0-9]+ row\\(s\\) in ");
            Ran listed = jobs(server, "list", "--state", "succeeded");
            assertThat(listed.exit()).as(listed.output()).isZero();
            assertThat(listed.output()).contains(id + "  SUCCEEDED  lambda 2048 MB");
            Ran json = jobs(server, "show", id, "--json");
            JsonNode view = Json.mapper().readTree(json.output().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
            assertThat(view.path("tags").path("team").asText()).isEqualTo("cli");

            Ran logs = jobs(server, "logs", id);
            assertThat(logs.exit()).as(logs.output()).isZero();
            assertThat(logs.output()).contains("== lambda: ").contains("START RequestId: ").contains("statement 1/");
            Ran cancelled = jobs(server, "cancel", id);
            assertThat(cancelled.exit()).isEqualTo(1);
            assertThat(cancelled.output()).contains("soal jobs cancel: DELETE " + server.uri() + "/jobs/" + id + ": 409 ");
        }
    }
}

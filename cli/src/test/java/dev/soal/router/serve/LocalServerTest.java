package dev.soal.router.serve;

import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.S3Uri;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.EmbeddedS3Fixture;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.router.RecordingBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** soal serve's HTTP front door, over real sockets: bad input never 500, every error a problem, slow clients cut off. */
class LocalServerTest {
    private static EmbeddedS3Fixture s3;
    private static InputMeasurer measurer;
    private static LocalServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3Fixture.forJobs();
        measurer = s3.measurer();
        JobService jobs = new JobService(new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/serve/")), measurer,
                new RoutingPolicy(PolicyLoader.defaults(), Set.of(Backend.LAMBDA)),
                Map.of(Backend.LAMBDA, new RecordingBackend(Backend.LAMBDA)), S3Uri.parse("s3://soal-output/jobs/"),
                Clock.systemUTC());
        server = LocalServer.start(jobs, null, PolicyLoader.defaults(), 0, "t0ken",
                new PrintStream(java.io.OutputStream.nullOutputStream()));
    }

    @AfterAll
    static void stop() {
        server.close();
        s3.close();
    }

    private static HttpResponse<String> send(String method, String path, String contentType, String body, String auth)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Raw bytes on a socket, for requests no well-behaved client would send; the status line and headers of the answer. */
    private static String raw(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.uri().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void malformedRequests_areAnsweredAsProblems_neverAsHtml() throws Exception {
        for (String bad : List.of("GET /jobs/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /jobs/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /jobs/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "BLAH\r\n\r\n")) {
            String answer = raw(bad);
            assertThat(answer).as(bad).startsWith("HTTP/1.1 400");
            assertThat(answer.toLowerCase()).as(bad).contains("content-type: application/problem+json")
                    .doesNotContain("text/html");
        }
    }

    @Test
    void theConsolesFiles_loadWithoutTheToken_talkToThisServerOnly_andTheApiStaysProtected() throws Exception {
        HttpResponse<String> page = send("GET", "/", null, null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).get().asString().startsWith("text/html").contains("utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString().startsWith("default-src 'self'");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/console/console.js\"></script>").doesNotContain("https://");
        HttpResponse<String> script = send("GET", "/console/console.js", null, null, null);
        assertThat(script.headers().firstValue("Content-Type")).get().asString().startsWith("text/javascript");
        assertThat(script.body()).contains("Authorization: 'Bearer ' + token");
        // no address but the SVG namespace and two the user may follow, never fetched (soal history's on loopback, the
        // AWS S3 console for a deployed stack's objects): everything the page loads or asks for is this server's
        assertThat(script.body()).contains("let HISTORY = 'http://127.0.0.1:" + dev.soal.router.embedded.HistoryServer.DEFAULT_PORT + "';");
        assertThat(script.body().replace("http://www.w3.org/2000/svg", "").replace("'http://127.0.0.1:18080'", "")
                .replace("'https://s3.console.aws.amazon.com/s3/buckets/'", "")).doesNotContain("http://").doesNotContain("https://");
        // what the page is told of where it is served, without the token: the embedded S3 server's folder
        HttpResponse<String> settings = send("GET", "/console/settings.json", null, null, null);
        assertThat(settings.statusCode()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode told = dev.soal.core.Json.mapper().readTree(settings.body());
        assertThat(told.path("awsConsole").asBoolean()).isFalse();
        assertThat(told.path("history").asText()).isEqualTo("http://127.0.0.1:18080");
        assertThat(send("GET", "/console/console.css", null, null, null).statusCode()).isEqualTo(200);
        assertThat(server.consoleUri().toString()).isEqualTo(server.uri() + "/?token=t0ken");
        // nothing else is served without the token: other names, other methods, the API
        assertThat(send("GET", "/console/../LocalServer.class", null, null, null).statusCode()).isIn(400, 401);
        assertThat(send("GET", "/console/other.js", null, null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/console/other.js", null, null, "Bearer t0ken").statusCode()).isEqualTo(404);
        assertThat(send("POST", "/", "application/json", "{}", null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/jobs", null, null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void wrongMethod_is405_withAllow_andUnknownPaths_are404Problems() throws Exception {
        HttpResponse<String> r = send("PUT", "/jobs", null, null, "Bearer t0ken");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).contains("POST, GET");
        assertThat(send("PATCH", "/jobs/abc", null, null, "Bearer t0ken").headers().firstValue("Allow")).contains("GET, DELETE");
        HttpResponse<String> nowhere = send("GET", "/nowhere", null, null, "Bearer t0ken");
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(nowhere.headers().firstValue("Content-Type")).contains("application/problem+json");
    }

    @Test
    void theBearerScheme_isCaseInsensitive_andAPlusInAPathStaysAPlus() throws Exception {
        assertThat(send("GET", "/jobs", null, null, "bearer t0ken").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/jobs", null, null, "BEARER t0ken").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/jobs", null, null, "Bearer wrong").statusCode()).isEqualTo(401);
        HttpResponse<String> plus = send("GET", "/jobs/a+b", null, null, "Bearer t0ken");
        assertThat(plus.statusCode()).isEqualTo(400);
        assertThat(plus.body()).contains("but was 'a+b'");
        assertThat(send("GET", "/jobs/a%20b", null, null, "Bearer t0ken").body()).contains("but was 'a b'");
    }

    @Test
    void aWrongContentType_is415_andBadValuesAre400s() throws Exception {
        String body = "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]}";
        HttpResponse<String> form = send("POST", "/jobs", "application/x-www-form-urlencoded", body, "Bearer t0ken");
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(send("POST", "/jobs", "application/json; charset=utf-8", body, "Bearer t0ken").statusCode()).isEqualTo(202);
        for (String bad : List.of(
                "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/a\\u0000b.csv\"]}",
                "{\"script\":\"s3://soal-scripts/missing.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]}",
                "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"sparkConf\":{\"spark.sql.shuffle.partitions\":\"4\\nspark.x=1\"}}",
                "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"arguments\":{\"a\":null}}",
                "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[null]}")) {
            HttpResponse<String> r = send("POST", "/jobs", "application/json", bad, "Bearer t0ken");
            assertThat(r.statusCode()).as(bad + " -> " + r.body()).isIn(400, 403);
            assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
        }
    }

    @Test
    void slowAndHalfOpenClients_doNotStallOthers_andAreCutOff() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 48; i++) {
                Socket s = new Socket("127.0.0.1", server.uri().getPort());
                OutputStream out = s.getOutputStream();
                if (i % 2 == 0) {
                    out.write("POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\nContent-Type: application/json\r\n"
                            .getBytes(StandardCharsets.US_ASCII)); // headers never finished
                } else {
                    out.write(("POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 5000\r\n\r\n{\"scr").getBytes(StandardCharsets.US_ASCII)); // body never finished
                }
                out.flush();
                slow.add(s);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                assertThat(send("GET", "/jobs?limit=5", null, null, "Bearer t0ken").statusCode()).isEqualTo(200);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            // the server closes them: an idle connection after its timeout, a stalled body with 408 or a close
            Socket first = slow.get(1);
            first.setSoTimeout(30_000);
            InputStream in = first.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer.isEmpty() || answer.startsWith("HTTP/1.1 408") || answer.startsWith("HTTP/1.1 400"))
                    .as(answer).isTrue();
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }
}

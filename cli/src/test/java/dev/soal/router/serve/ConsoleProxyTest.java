package dev.soal.router.serve;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.soal.router.client.ApiAuth;
import dev.soal.router.client.JobsApiClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code soal console} at the wire: the page from loopback, its API calls on to WireMock as API Gateway, each signed
 * with SigV4 as the user; the proxy's own token guards it, and is never sent on.
 */
class ConsoleProxyTest {
    private static final String SIGV4 = "AWS4-HMAC-SHA256 Credential=AKIDSOAL/\\d{8}/eu-west-1/execute-api/aws4_request, "
            + "SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}";
    private final HttpClient http = HttpClient.newHttpClient();
    private WireMockServer wire;
    private ConsoleProxy proxy;

    @BeforeEach
    void start() throws Exception {
        wire = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wire.start();
        JobsApiClient remote = new JobsApiClient(URI.create(wire.baseUrl() + "/prod/"), ApiAuth.sigV4(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSOAL", "secret")), "eu-west-1", Clock.systemUTC()));
        proxy = ConsoleProxy.start(remote, 0, true);
    }

    @AfterEach
    void stop() {
        proxy.close();
        wire.stop();
    }

    private HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(proxy.uri() + path)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePageIsServedHere_andItsApiCallsGoOnSignedAsTheUser_withTheirAnswersAsTheyCame() throws Exception {
        wire.stubFor(get(urlPathEqualTo("/prod/jobs")).withHeader("Authorization", matching(SIGV4))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("{\"jobs\":[]}")));
        wire.stubFor(delete(urlPathEqualTo("/prod/jobs/j-1")).withHeader("Authorization", matching(SIGV4))
                .willReturn(aResponse().withStatus(409).withHeader("Content-Type", "application/problem+json")
                        .withBody("{\"type\":\"https://soal.dev/problems/already-ended\",\"title\":\"Job already ended\",\"status\":409,\"detail\":\"job j-1 is FAILED\"}")));
        String token = proxy.consoleUri().getQuery().substring("token=".length());

        HttpResponse<String> page = send("GET", "/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/console/console.js");
        HttpResponse<String> list = send("GET", "/jobs?state=RUNNING&limit=5", token);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).isEqualTo("{\"jobs\":[]}");
        HttpResponse<String> refused = send("DELETE", "/jobs/j-1", token);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(refused.body()).contains("job j-1 is FAILED");

        List<LoggedRequest> sent = wire.findAll(anyRequestedFor(anyUrl()));
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).getUrl()).isEqualTo("/prod/jobs?state=RUNNING&limit=5");
        for (LoggedRequest r : sent) {
            assertThat(r.getHeader("Authorization")).matches(SIGV4).doesNotContain(token);
        }
    }

    @Test
    void forADeployedStack_thePageIsToldToLinkItsObjectsToTheS3Console() throws Exception {
        HttpResponse<String> settings = send("GET", "/console/settings.json", null);
        assertThat(settings.statusCode()).isEqualTo(200);
        assertThat(dev.soal.core.Json.mapper().readTree(settings.body()).path("awsConsole").asBoolean()).isTrue();
        assertThat(wire.getAllServeEvents()).as("nothing went to AWS for it").isEmpty();
    }

    @Test
    void withoutItsToken_orOutsideTheJobsApi_nothingIsSentOn() throws Exception {
        String token = proxy.consoleUri().getQuery().substring("token=".length());
        assertThat(send("GET", "/jobs", null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/jobs", "not-" + token).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/admin", token).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/", null).statusCode()).isEqualTo(401);
        assertThat(wire.findAll(anyRequestedFor(anyUrl()))).isEmpty();
        // an API that cannot be reached is a 502 problem, not a hang
        wire.stop();
        HttpResponse<String> gone = send("GET", "/jobs", token);
        assertThat(gone.statusCode()).isEqualTo(502);
        assertThat(gone.body()).contains("no answer");
        wire.start();
    }
}

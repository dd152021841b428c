package dev.soal.adapters.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.soal.core.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.notContaining;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** FilterLogEvents against a WireMock CloudWatch Logs (awsJson1_1: POST / with X-Amz-Target; errors in __type). */
class CloudWatchLogsReaderTest {
    private static WireMockAws aws;
    private CloudWatchLogsReader logs;

    @BeforeAll
    static void start() {
        aws = new WireMockAws();
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    @BeforeEach
    void reset() {
        aws.server.resetAll();
        logs = new CloudWatchLogsReader(aws.clients);
    }

    private static MappingBuilder filter() {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("Logs_20140328.FilterLogEvents"));
    }

    private static ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", "req-1").withBody(body);
    }

    private static ResponseDefinitionBuilder error(int status, String type, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", "req-2").withBody("{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
    }

    static String event(String stream, long at, String message) {
        return "{\"logStreamName\":\"" + stream + "\",\"timestamp\":" + at + ",\"message\":" + Json.write(message)
                + ",\"ingestionTime\":" + (at + 40) + ",\"eventId\":\"" + at + "0000\"}";
    }

    @Test
    void pagesAreFollowed_andEachCallIsSignedForLogsWithTheFilterInItsBody() throws Exception {
        aws.server.stubFor(filter().withRequestBody(notContaining("nextToken")).willReturn(json("{\"events\":["
                + event("s1", 1000, "START RequestId: r\n") + "," + event("s1", 1001, "line one\nline two\n")
                + "],\"searchedLogStreams\":[{\"logStreamName\":\"s1\",\"searchedCompletely\":false}],\"nextToken\":\"t1\"}")));
        // the service may answer a page with no events while it searches on
        aws.server.stubFor(filter().withRequestBody(containing("\"nextToken\":\"t1\"")).willReturn(json("{\"events\":[],\"nextToken\":\"t2\"}")));
        aws.server.stubFor(filter().withRequestBody(containing("\"nextToken\":\"t2\"")).willReturn(json("{\"events\":["
                + event("s1", 1002, "END RequestId: r\n") + "]}")));

        Instant from = Instant.ofEpochMilli(500);
        Instant to = Instant.ofEpochMilli(5000);
        List<CloudWatchLogsReader.Event> events = logs.events(CloudWatchLogsReader.Filter.stream("/aws/lambda/f", "s1", from, to), 100);

        assertThat(events).extracting(CloudWatchLogsReader.Event::message)
                .containsExactly("START RequestId: r\n", "line one\nline two\n", "END RequestId: r\n");
        assertThat(events.get(1).stream()).isEqualTo("s1");
        assertThat(events.get(1).timestamp()).isEqualTo(Instant.ofEpochMilli(1001));

        List<LoggedRequest> calls = aws.server.findAll(postRequestedFor(urlEqualTo("/")));
        assertThat(calls).hasSize(3);
        LoggedRequest first = calls.get(0);
        assertThat(first.getHeader("Content-Type")).isEqualTo("application/x-amz-json-1.1");
        assertThat(first.getHeader("Authorization")).matches("AWS4-HMAC-SHA256 Credential=AKIDTEST/\\d{8}/us-east-1/logs/aws4_request, "
                + "SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}");
        assertThat(first.getHeader("X-Amz-Date")).matches("\\d{8}T\\d{6}Z");
        JsonNode body = Json.mapper().readTree(first.getBodyAsString());
        assertThat(body.path("logGroupName").asText()).isEqualTo("/aws/lambda/f");
        assertThat(body.path("logStreamNames").get(0).asText()).isEqualTo("s1");
        assertThat(body.path("startTime").asLong()).isEqualTo(500);
        assertThat(body.path("endTime").asLong()).isEqualTo(5000);
        assertThat(body.path("limit").asInt()).isEqualTo(100);
        assertThat(body.has("nextToken")).isFalse();
        assertThat(Json.mapper().readTree(calls.get(2).getBodyAsString()).path("nextToken").asText()).isEqualTo("t2");
    }

    @Test
    void aStreamPrefixIsSentInsteadOfNames_andAnOpenEndIsLeftOut() throws Exception {
        aws.server.stubFor(filter().willReturn(json("{\"events\":[]}")));
        logs.events(CloudWatchLogsReader.Filter.streamsStartingWith("/aws-glue/jobs/output", "jr_1", Instant.ofEpochMilli(7), null), 10);
        JsonNode body = Json.mapper().readTree(aws.server.findAll(postRequestedFor(urlEqualTo("/"))).get(0).getBodyAsString());
        assertThat(body.path("logStreamNamePrefix").asText()).isEqualTo("jr_1");
        assertThat(body.has("logStreamNames")).isFalse();
        assertThat(body.has("endTime")).isFalse();
        assertThatThrownBy(() -> new CloudWatchLogsReader.Filter("/g", List.of("a"), "a", null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
    }

    @Test
    void readingStopsAtTheMostEventsAsked() {
        aws.server.stubFor(filter().willReturn(json("{\"events\":[" + event("s", 1, "a") + "," + event("s", 2, "b")
                + "],\"nextToken\":\"more\"}")));
        assertThat(logs.events(CloudWatchLogsReader.Filter.stream("/g", "s", null, null), 2)).hasSize(2);
        aws.server.verify(1, postRequestedFor(urlEqualTo("/")));
    }

    @Test
    void aLogGroupThatDoesNotExistYet_hasNoEvents() {
        aws.server.stubFor(filter().willReturn(error(400, "ResourceNotFoundException", "The specified log group does not exist.")));
        assertThat(logs.events(CloudWatchLogsReader.Filter.stream("/aws/lambda/none", "s", null, null), 10)).isEmpty();
    }

    @Test
    void otherErrors_carryTheServicesCodeAndMessage_withOrWithoutANamespace() {
        aws.server.stubFor(filter().willReturn(error(400, "ThrottlingException", "Rate exceeded")));
        assertThatThrownBy(() -> logs.events(CloudWatchLogsReader.Filter.stream("/g", "s", null, null), 10))
                .isInstanceOfSatisfying(CloudWatchLogsReader.LogsException.class, e -> {
                    assertThat(e.code()).isEqualTo("ThrottlingException");
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e).hasMessageContaining("Rate exceeded");
                });
        aws.server.stubFor(filter().willReturn(aResponse().withStatus(400).withBody(
                "{\"__type\":\"com.amazonaws.logs#AccessDeniedException\",\"Message\":\"not authorized to perform: logs:FilterLogEvents\"}")));
        assertThatThrownBy(() -> logs.events(CloudWatchLogsReader.Filter.stream("/g", "s", null, null), 10))
                .isInstanceOfSatisfying(CloudWatchLogsReader.LogsException.class, e -> assertThat(e.code()).isEqualTo("AccessDeniedException"))
                .hasMessageContaining("logs:FilterLogEvents");
    }

    @Test
    void inAws_theRegionsEndpointIsCalled() {
        try (CloudWatchLogsReader eu = new CloudWatchLogsReader(AwsClients.forRegion("eu-west-1"));
             CloudWatchLogsReader cn = new CloudWatchLogsReader(AwsClients.forRegion("cn-north-1"))) {
            assertThat(eu.endpoint()).isEqualTo(URI.create("https://logs.eu-west-1.amazonaws.com/"));
            assertThat(cn.endpoint()).isEqualTo(URI.create("https://logs.cn-north-1.amazonaws.com.cn/"));
        }
    }
}

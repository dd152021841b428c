package dev.soal.adapters.lambda;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.soal.adapters.aws.WireMockAws;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.SubmitOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LambdaBackend against a WireMock Lambda (rest-json Invoke; errors in x-amzn-ErrorType). */
class LambdaBackendTest {
    private static final String INVOKE = "/2015-03-31/functions/soal-runtime-4096/invocations";
    private static WireMockAws aws;
    private final Instant now = Instant.parse("2026-11-25T12:00:00Z");
    private LambdaBackend backend;

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
        backend = backendAt(now);
    }

    private LambdaBackend backendAt(Instant at) {
        return new LambdaBackend(aws.clients.lambda(), new LambdaBackend.Config("soal-runtime-{memoryMb}",
                Duration.ofSeconds(900), Duration.ofSeconds(60)), aws.resilience(), Clock.fixed(at, ZoneOffset.UTC));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder error(int status, String type) {
        return aResponse().withStatus(status).withHeader("x-amzn-ErrorType", type).withHeader("Content-Type", "application/json")
                .withBody("{\"Type\":\"User\",\"message\":\"" + type + " happened\"}");
    }

    @Test
    void submit_invokesAsynchronously_theFunctionOfTheChosenMemory_withTheJob() throws Exception {
        aws.server.stubFor(post(urlEqualTo(INVOKE)).willReturn(aResponse().withStatus(202).withHeader("x-amzn-RequestId", "req-42")));
        JobRecord job = WireMockAws.job(Backend.LAMBDA);

        assertThat(backend.submit(job)).isEqualTo(new SubmitOutcome.Accepted("soal-runtime-4096/req-42", "INVOKED"));

        var req = aws.server.findAll(postRequestedFor(urlEqualTo(INVOKE))).get(0);
        assertThat(req.getHeader("X-Amz-Invocation-Type")).isEqualTo("Event");
        JobRecord sent = Json.mapper().convertValue(Json.mapper().readTree(req.getBodyAsString()).path("job"), JobRecord.class);
        assertThat(sent).isEqualTo(job);
    }

    @Test
    void withAQualifier_theAliasIsInvoked_whereTheProvisionedEnvironmentsAre() {
        aws.server.stubFor(post(urlEqualTo(INVOKE + "?Qualifier=live")).willReturn(aResponse().withStatus(202).withHeader("x-amzn-RequestId", "req-7")));
        LambdaBackend aliased = new LambdaBackend(aws.clients.lambda(), new LambdaBackend.Config("soal-runtime-{memoryMb}",
                Duration.ofSeconds(900), Duration.ofSeconds(60), LambdaBackend.Config.DEFAULT_MAX_EVENT_AGE, "live"), aws.resilience(),
                Clock.systemUTC());

        assertThat(aliased.submit(WireMockAws.job(Backend.LAMBDA))).isEqualTo(new SubmitOutcome.Accepted("soal-runtime-4096/req-7", "INVOKED"));
        aws.server.verify(1, postRequestedFor(urlEqualTo(INVOKE + "?Qualifier=live")));
    }

    @Test
    void throttled_429_isRetriedWithBackoff_thenAccepted() {
        aws.server.stubFor(post(urlEqualTo(INVOKE)).inScenario("t").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(error(429, "TooManyRequestsException").withHeader("Retry-After", "0")).willSetStateTo("ok"));
        aws.server.stubFor(post(urlEqualTo(INVOKE)).inScenario("t").whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(202).withHeader("x-amzn-RequestId", "req-2")));
        assertThat(backend.submit(WireMockAws.job(Backend.LAMBDA))).isInstanceOf(SubmitOutcome.Accepted.class);
        aws.server.verify(2, postRequestedFor(urlEqualTo(INVOKE)));
    }

    @Test
    void throttledEveryTime_isThrottled_withTheServicesRetryAfter() {
        aws.server.stubFor(post(urlEqualTo(INVOKE)).willReturn(error(429, "TooManyRequestsException").withHeader("Retry-After", "1")));
        SubmitOutcome out = backend.submit(WireMockAws.job(Backend.LAMBDA));
        assertThat(out).isEqualTo(new SubmitOutcome.Throttled(Duration.ofSeconds(1),
                "TooManyRequestsException: TooManyRequestsException happened"));
    }

    /** Every error Lambda's model lists for Invoke; only throttling may be retried. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "ResourceNotFoundException, 404", "InvalidRequestContentException, 400", "InvalidParameterValueException, 400",
            "RequestTooLargeException, 413", "UnsupportedMediaTypeException, 415", "ResourceConflictException, 409",
            "ServiceException, 500", "ResourceNotReadyException, 502", "EC2UnexpectedException, 502",
            "EC2AccessDeniedException, 502", "ENILimitReachedException, 502", "SubnetIPAddressLimitReachedException, 502",
            "InvalidSubnetIDException, 502", "InvalidSecurityGroupIDException, 502", "InvalidZipFileException, 502",
            "InvalidRuntimeException, 502", "KMSDisabledException, 502", "KMSInvalidStateException, 502",
            "KMSAccessDeniedException, 502", "KMSNotFoundException, 502", "EFSMountConnectivityException, 408",
            "EFSMountFailureException, 403", "EFSMountTimeoutException, 408", "EFSIOException, 410",
            "SnapStartException, 400", "SnapStartTimeoutException, 408", "SnapStartNotReadyException, 409",
            "RecursiveInvocationException, 400",
    })
    void everyOtherModelledError_rejectsTheJob_withoutRetrying(String type, int status) {
        aws.server.stubFor(post(urlEqualTo(INVOKE)).willReturn(error(status, type)));
        SubmitOutcome out = backend.submit(WireMockAws.job(Backend.LAMBDA));
        assertThat(out).isEqualTo(new SubmitOutcome.Rejected(type + ": " + type + " happened [function=soal-runtime-4096]"));
        aws.server.verify(1, postRequestedFor(urlEqualTo(INVOKE)));
    }

    @Test
    void ec2Throttled_isThrottling() {
        aws.server.stubFor(post(urlEqualTo(INVOKE)).willReturn(error(502, "EC2ThrottledException")));
        assertThat(backend.submit(WireMockAws.job(Backend.LAMBDA))).isInstanceOf(SubmitOutcome.Throttled.class);
    }

    @Test
    void timeout_isNotRetried_theJobIsRejected() {
        aws.server.stubFor(post(urlEqualTo(INVOKE)).willReturn(aResponse().withStatus(202).withFixedDelay(2_000)));
        SubmitOutcome out = backend.submit(WireMockAws.job(Backend.LAMBDA));
        assertThat(out).isInstanceOf(SubmitOutcome.Rejected.class);
        assertThat(((SubmitOutcome.Rejected) out).reason()).startsWith("Timeout");
        aws.server.verify(1, postRequestedFor(urlEqualTo(INVOKE)));
    }

    @Test
    void aJobNoRuntimeClaimedYet_waitsInLambdasQueue_withAStartLeaseOfTheMaximumEventAge() {
        JobRecord queued = WireMockAws.job(Backend.LAMBDA).withBackendHandle("f/r", now);
        // long past the function timeout: an unclaimed event is judged by its start lease, never by the clock alone
        assertThat(backendAt(now.plus(Duration.ofHours(2))).status(queued).state()).isEqualTo(JobState.QUEUED);
        assertThat(backend.startLease()).isEqualTo(LambdaBackend.Config.DEFAULT_MAX_EVENT_AGE.plusSeconds(60));
        assertThat(new LambdaBackend(aws.clients.lambda(), new LambdaBackend.Config("soal-runtime-{memoryMb}",
                Duration.ofSeconds(900), Duration.ofSeconds(30), Duration.ofHours(1)), aws.resilience(), Clock.systemUTC())
                .startLease()).isEqualTo(Duration.ofMinutes(60).plusSeconds(30));
        assertThatThrownBy(() -> new LambdaBackend.Config("soal-runtime-{memoryMb}", Duration.ofSeconds(900), Duration.ZERO,
                Duration.ofHours(7))).hasMessageContaining("maxEventAge must be within 60 s..6 h");
    }

    @Test
    void status_isTheRuntimesReport_plusTheCostWhenItEnded() {
        JobRecord done = WireMockAws.job(Backend.LAMBDA).withBackendHandle("f/r", now)
                .transition(JobState.RUNNING, "RUNNING", null, now)
                .transition(JobState.SUCCEEDED, "SUCCEEDED", "ran", now).withDuration(10_000);
        BackendStatus s = backend.status(done);
        assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
        // 4 GB x 10 s = 40 GB-s
        assertThat(s.cost().usd()).isCloseTo(40 * 0.0000166667, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void noReportPastTheFunctionTimeout_isTimedOut() {
        JobRecord running = dev.soal.core.RuntimeAttempts.claim(WireMockAws.job(Backend.LAMBDA).withBackendHandle("f/r", now),
                "r/attempt-1", "lambda soal-runtime-4096 (4096 MB)", now, dev.soal.core.RuntimeAttempts.DEFAULT_LEASE);
        assertThat(running.state()).isEqualTo(JobState.RUNNING);
        assertThat(backendAt(now.plusSeconds(900)).status(running).state()).isEqualTo(JobState.RUNNING);
        BackendStatus late = backendAt(now.plusSeconds(961)).status(running);
        assertThat(late.state()).isEqualTo(JobState.TIMED_OUT);
        assertThat(late.message()).contains("past the function timeout of 900 s");
    }

    @Test
    void config_refusesTimeoutsLambdaDoesNotHave() {
        assertThatThrownBy(() -> new LambdaBackend.Config("soal-runtime-{memoryMb}", Duration.ofSeconds(901), Duration.ZERO))
                .hasMessageContaining("functionTimeout must be within 0..900 s");
        assertThatThrownBy(() -> new LambdaBackend.Config("soal-runtime", Duration.ofSeconds(900), Duration.ZERO))
                .hasMessageContaining("must contain {memoryMb}");
    }
}

package dev.soal.router;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.soal.adapters.aws.AwsClients;
import dev.soal.adapters.aws.Resilience;
import dev.soal.adapters.lambda.LambdaBackend;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.S3Uri;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The small path's resend, with the real {@link LambdaBackend} against Lambda's Invoke API on the wire: an event
 * Lambda accepted but no runtime ever claimed waits out its start lease (the functions' maximum event age and a
 * grace), is sent again, and after {@link JobService#MAX_SUBMITS} submits ends NEVER_STARTED; no sweep in
 * between declares it timed out.
 */
class LambdaResendTest {
    private static EmbeddedS3Fixture s3;
    private static WireMockServer wire;
    private static LambdaClient lambda;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3Fixture.forJobs();
        wire = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wire.start();
        lambda = new AwsClients(Region.US_EAST_1, URI.create(wire.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), Duration.ofSeconds(2)).lambda();
    }

    @AfterAll
    static void stop() {
        lambda.close();
        wire.stop();
        s3.close();
    }

    @Test
    void anEventNoRuntimeEverClaims_isSentAgainAfterItsStartLease_andEndsNeverStartedAfterMaxSubmits() {
        // Event invocations answered as Lambda answers them: 202, an empty body, the request id in a header
        wire.stubFor(post(urlPathMatching("/2015-03-31/functions/[^/]+/invocations"))
                .withHeader("X-Amz-Invocation-Type", equalTo("Event"))
                .willReturn(aResponse().withStatus(202).withHeader("x-amzn-RequestId", "0b1e4b1c-6c7a-4c35-9d35-6f2a5e1d3c2b")));
        TestClock clock = new TestClock(Instant.now());
        LambdaBackend backend = new LambdaBackend(lambda, new LambdaBackend.Config("soal-runtime-{memoryMb}",
                Duration.ofSeconds(900), Duration.ofSeconds(60)), new Resilience(Resilience.Settings.ofDefaults(),
                new SimpleMeterRegistry()), clock);
        JobService router = new JobService(new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/resend/")), s3.measurer(),
                new RoutingPolicy(PolicyLoader.defaults(), Set.of(Backend.LAMBDA)), Map.of(Backend.LAMBDA, backend),
                S3Uri.parse("s3://soal-output/jobs/"), clock, new SimpleMeterRegistry());
        JobRecord job = router.submit(new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/small.csv"),
                null, null, null, null, null)).job();
        assertThat(job.backendHandle()).isNotNull();
        wire.verify(1, postRequestedFor(urlPathMatching("/2015-03-31/functions/soal-runtime-\\d+/invocations")));

        Duration lease = backend.startLease();
        for (int submits = 1; submits <= JobService.MAX_SUBMITS; submits++) {
            clock.advance(lease.minusSeconds(30)); // the event may still be in Lambda's queue: wait
            router.reconcileUnfinished(100);
            JobRecord waiting = router.get(job.id());
            assertThat(waiting.state()).as(waiting.message()).isEqualTo(JobState.QUEUED);
            assertThat(waiting.submits()).isEqualTo(submits);
            clock.advance(Duration.ofSeconds(60)); // past the lease: lost, sent again (or given up on)
            router.reconcileUnfinished(100);
        }
        wire.verify(JobService.MAX_SUBMITS, postRequestedFor(urlPathMatching("/2015-03-31/functions/soal-runtime-\\d+/invocations")));
        JobRecord after = router.get(job.id());
        assertThat(after.state()).isEqualTo(JobState.FAILED);
        assertThat(after.nativeState()).isEqualTo("NEVER_STARTED");
        assertThat(after.message()).isEqualTo("no run started after 3 submissions to lambda");
    }
}

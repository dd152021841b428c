package dev.soal.adapters.aws;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.soal.core.Backend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/** A WireMock server standing in for an AWS control plane, and SDK clients pointed at it. */
public final class WireMockAws implements AutoCloseable {
    public static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(800);

    public final WireMockServer server;
    public final AwsClients clients;
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    public WireMockAws() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        clients = new AwsClients(Region.US_EAST_1, URI.create(server.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), ATTEMPT_TIMEOUT);
    }

    /** Fast retries, so tests do not wait: 3 attempts, 5 ms then 10 ms, at most 2 s (Retry-After wins up to that). */
    public Resilience resilience() {
        return new Resilience(new Resilience.Settings(3, Duration.ofMillis(5), 2.0, Duration.ofSeconds(2), 50f, 10,
                Duration.ofSeconds(30)), meters);
    }

    public static JobRecord job(Backend backend) {
        Instant now = Instant.now();
        JobRequest req = new JobRequest("s3://soal-scripts/stats.sql", null, List.of("s3://soal-data/in/"),
                "s3://soal-output/out/", Map.of("day", "2026-11-25"), Map.of(), null, "{\"source\":\"test\"}");
        return JobRecord.queued(JobIds.next(now), req, new Measurement(1L << 30, 12, 5),
                new RoutingDecision(backend, backend == Backend.LAMBDA ? 4096 : 0, List.of("test")), now);
    }

    @Override
    public void close() {
        server.stop();
    }
}

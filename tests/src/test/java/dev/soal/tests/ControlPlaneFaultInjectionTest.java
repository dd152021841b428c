package dev.soal.tests;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.soal.adapters.aws.AwsClients;
import dev.soal.adapters.aws.Resilience;
import dev.soal.adapters.emr.EmrServerlessBackend;
import dev.soal.adapters.glue.GlueBackend;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.S3Uri;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.tests.sim.ControlPlaneSimulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 200 jobs against EMR Serverless and Glue control planes that throttle or fail 30% of all calls (some
 * after starting the run): every job ends terminal with exactly one run, on one backend or its fallback.
 */
class ControlPlaneFaultInjectionTest {
    private static final int JOBS = 200;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void thirtyPercentFaults_everyJobEndsWithExactlyOneRun() throws Exception {
        ControlPlaneSimulator sim = new ControlPlaneSimulator(20261125L, 0.30);
        WireMockServer wire = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(sim)
                .containerThreads(16));
        wire.start();
        wire.stubFor(any(anyUrl()).willReturn(ok()));
        try (EmbeddedS3 s3Server = EmbeddedS3.start(Files.createTempDirectory("soal-fault-s3"));
             S3Client s3 = S3Clients.create(s3Server.settings())) {
            for (String b : List.of("soal-jobs", "soal-data", "soal-scripts", "soal-output")) {
                s3.createBucket(r -> r.bucket(b));
            }
            s3.putObject(r -> r.bucket("soal-data").key("big/part-0.csv"), RequestBody.fromString("a,b\n1,2\n"));
            s3.putObject(r -> r.bucket("soal-scripts").key("stats.sql"), RequestBody.fromString("SELECT 1"));

            AwsClients clients = new AwsClients(Region.US_EAST_1, URI.create(wire.baseUrl()),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), Duration.ofSeconds(5));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            // a wide breaker window: at a 30% failure rate it stays closed, so the run is repeatable
            // 3 attempts: often enough, a backend is given up on and the job falls back
            Resilience resilience = new Resilience(new Resilience.Settings(3, Duration.ofMillis(1), 2.0,
                    Duration.ofMillis(20), 50f, 100, Duration.ofMillis(100)), meters);
            // half the jobs ask for Glue by tag, the rest go to EMR Serverless (first in clusters.order)
            Policies policies = PolicyLoader.parse(new String(getClass().getResourceAsStream("/fault-policies.yaml")
                    .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "fault-policies.yaml");
            Map<Backend, JobBackend> backends = new EnumMap<>(Backend.class);
            backends.put(Backend.EMR_SERVERLESS, new EmrServerlessBackend(clients.emrServerless(),
                    new EmrServerlessBackend.Config("00fapp", "arn:aws:iam::123456789012:role/soal-emr",
                            "s3://soal-artifacts/soal-runner.jar", null, "s3://soal-jobs/", policies.emrServerless()), resilience));
            backends.put(Backend.GLUE, new GlueBackend(clients.glue(),
                    new GlueBackend.Config("soal-runner", "s3://soal-jobs/", policies.glue()), resilience));
            JobService jobs = new JobService(new S3JobStore(s3, S3Uri.parse("s3://soal-jobs/")),
                    new InputMeasurer(s3, 4, Duration.ofSeconds(30)),
                    new RoutingPolicy(policies, Set.of(Backend.EMR_SERVERLESS, Backend.GLUE)), backends,
                    S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC(), meters);

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                ids.add(jobs.submit(new JobRequest("s3://soal-scripts/stats.sql", null, List.of("s3://soal-data/big/"),
                        null, Map.of("n", String.valueOf(i)), i % 2 == 0 ? Map.of("engine", "glue") : Map.of(), "fault-" + i, null))
                        .job().id());
            }
            int statusErrors = 0;
            List<JobRecord> finished = new ArrayList<>();
            for (int round = 0; round < 200 && finished.size() < JOBS; round++) {
                finished.clear();
                for (String id : ids) {
                    try {
                        JobRecord j = jobs.refresh(id);
                        if (j.state().isTerminal()) {
                            finished.add(j);
                        }
                    } catch (RuntimeException e) {
                        statusErrors++;
                    }
                }
            }

            Map<String, Long> runsPerJob = sim.runs().stream()
                    .collect(Collectors.groupingBy(ControlPlaneSimulator.Run::jobId, Collectors.counting()));
            Map<String, Long> states = finished.stream().collect(Collectors.groupingBy(j -> j.state().name(), TreeMap::new,
                    Collectors.counting()));
            Map<String, Long> onBackend = finished.stream().collect(Collectors.groupingBy(j -> j.decision().backend().id(),
                    TreeMap::new, Collectors.counting()));
            long fallbacks = finished.stream().filter(j -> j.decision().reasons().stream().anyMatch(r -> r.contains("-> fallback"))).count();
            System.out.printf("fault injection: %d jobs, %d control-plane calls, %d throttled, %d server errors"
                            + " (%d after starting a run), %d status calls that failed after retries%n",
                    JOBS, sim.calls.get(), sim.throttled.get(), sim.serverErrors.get(), sim.lostAnswers.get(), statusErrors);
            System.out.printf("fault injection: runs started %d; final states %s; backends %s; fallbacks %d%n",
                    sim.runs().size(), states, onBackend, fallbacks);

            assertThat(sim.throttled.get() + sim.serverErrors.get()).isGreaterThan(sim.calls.get() / 5);
            assertThat(sim.lostAnswers.get()).isPositive();
            assertThat(finished).hasSize(JOBS);
            assertThat(onBackend).containsKeys("emr-serverless", "glue");
            assertThat(ids).allSatisfy(id -> assertThat(runsPerJob.get(id)).as("runs of job " + id).isEqualTo(1L));
            assertThat(sim.runs()).hasSize(JOBS);
            Map<String, JobRecord> byId = finished.stream().collect(Collectors.toMap(JobRecord::id, Function.identity()));
            for (ControlPlaneSimulator.Run run : sim.runs()) {
                JobRecord j = byId.get(run.jobId());
                assertThat(j.decision().backend().id()).as("backend of " + j.id()).isEqualTo(run.service());
                assertThat(j.backendHandle()).isEqualTo(run.id());
            }
        } finally {
            wire.stop();
        }
    }
}

package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.embedded.LocalLambdaService;
import dev.soal.router.examples.ListingsGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tier's provisioned environment on the embedded default, as {@code soal serve} keeps it: started at boot as
 * {@code provisioned-concurrency}, it primes itself in INIT with the built-in job, leaves nothing of it in the job
 * store, the tables or its {@code /tmp}, and runs the first real job warm, the job's record saying how it started.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ProvisionedEnvironmentIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();

    @Test
    void aProvisionedEnvironment_primesItself_leavesNoTrace_andRunsTheFirstJobWarm() throws Exception {
        Path home = Files.createTempDirectory("soal-provisioned-it");
        String yaml = Files.readString(Path.of(getClass().getResource("/it-policies.yaml").toURI()))
                .replace("- { upTo: 400MB, memoryMb: 2048 }", "- { upTo: 400MB, memoryMb: 2048, provisioned: 1 }");
        Policies policies = PolicyLoader.parse(yaml, "it-policies.yaml");
        List<String> output = new CopyOnWriteArrayList<>();
        try (EmbeddedStack stack = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(ROOT), policies, line -> {
            output.add(line);
            System.out.println("  | " + line);
        }, EmbeddedStack.Options.serving(null, null))) {
            LocalLambdaService lambda = stack.lambdaService().orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (output.stream().noneMatch(l -> l.startsWith("provisioned environments ready: ")) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(output).contains("provisioned environments ready: 1 of 1, primed");
            LocalLambdaService.EnvironmentView env = lambda.environments().stream().filter(LocalLambdaService.EnvironmentView::provisioned)
                    .findFirst().orElseThrow();
            assertThat(env.state()).isEqualTo("IDLE");
            assertThat(output).anyMatch(l -> l.contains(env.id()) && l.contains("primed for provisioned concurrency in "));
            // no trace: no job record, no table, nothing of the built-in job in its /tmp
            assertThat(stack.jobs().list(null, 10)).isEmpty();
            assertThat(stack.s3().listObjectsV2(r -> r.bucket(EmbeddedStack.JOBS).prefix("jobs/")).contents()).isEmpty();
            try (Stream<Path> tmp = Files.list(env.tmp())) {
                assertThat(tmp.map(p -> p.getFileName().toString())).doesNotContain("soal-prime");
            }
            assertThat(stack.s3().listObjectsV2(r -> r.bucket(EmbeddedStack.DATA).prefix("warehouse/")).contents())
                    .extracting(S3Object::key).noneMatch(k -> k.contains("prime"));

            Path csv = home.resolve("listings.csv");
            ListingsGenerator.write(csv, 100 * 1024, 3);
            String input = stack.upload(csv, EmbeddedStack.DATA, "listings/listings.csv");
            String script = stack.upload(ROOT.resolve("examples/listings/neighbourhood_stats.sql"), EmbeddedStack.SCRIPTS, "stats.sql");
            JobRecord job = stack.jobs().submit(new JobRequest(script, null, List.of(input), null, null, null, null, null)).job();
            for (int i = 0; i < 600 && !job.state().isTerminal(); i++) {
                Thread.sleep(200);
                job = stack.jobs().refresh(job.id());
            }
            assertThat(job.state()).as(job.message()).isEqualTo(JobState.SUCCEEDED);
            // it ran in the provisioned environment, warm from the start
            assertThat(job.environment().id()).isEqualTo(env.logStream());
            assertThat(job.environment().coldStart()).isFalse();
            assertThat(job.environment().initializationType()).isEqualTo("provisioned-concurrency");
        }
    }
}

package dev.soal.router.cli;

import dev.soal.router.embedded.LocalEnvironments;
import dev.soal.router.embedded.UpStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.soal.router.client.ApiAuth;
import dev.soal.router.client.JobsApiClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code soal down}: stops the stack {@code soal up} started in the home, as Ctrl-C stops a {@code soal serve} (its
 * environments, cluster, catalog and S3 server closed). It refuses while an environment runs a job, unless forced.
 * Exit code 0 when nothing is up any more, 1 when a job holds it or it would not stop.
 */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop the embedded stack 'soal up' started in the background. Refuses while a job runs, unless --force.")
final class DownCommand implements Callable<Integer> {
    static final long STOP_SECONDS = 60;

    @Option(names = "--force", description = "Stop it even while environments run jobs (those attempts end as a crash would"
            + " end them; the reconciler of the next stack fails them over or marks them failed).")
    boolean force;

    @picocli.CommandLine.Mixin
    EmbeddedOptions embedded = new EmbeddedOptions();

    /**
     * What stopping the stack would end, or null: jobs its store holds as running or queued (on any path: the cluster it
     * started runs in its process too), and environments running an invocation or starting for one.
     */
    static String stillWorking(UpStack up) {
        List<String> jobs = new ArrayList<>();
        try {
            JobsApiClient api = new JobsApiClient(up.api(), ApiAuth.bearer(up.token()));
            for (String state : List.of("RUNNING", "QUEUED")) {
                api.list(Map.of("state", state, "limit", "20")).path("jobs").forEach(j -> jobs.add(j.path("jobId").asText()));
            }
        } catch (RuntimeException e) {
            // its API does not answer: its environments still tell
        }
        long environments = 0;
        if (up.lambda() != null) {
            try {
                environments = LocalEnvironments.fetch(up.lambda()).stream()
                        .filter(e -> e.state().equals("BUSY") || (e.state().equals("INIT") && !e.provisioned())).count();
            } catch (IOException e) {
                // its Lambda service does not answer: nothing of it to wait for
            }
        }
        if (jobs.isEmpty() && environments == 0) {
            return null;
        }
        return (jobs.isEmpty() ? "" : "jobs are still running or queued (" + String.join(", ", jobs.subList(0, Math.min(5, jobs.size())))
                + (jobs.size() > 5 ? ", ..." : "") + "; 'soal jobs list' shows them)")
                + (jobs.isEmpty() || environments == 0 ? "" : " and ")
                + (environments == 0 ? "" : environments + " environment" + (environments == 1 ? " is" : "s are") + " busy or starting");
    }

    @Override
    public Integer call() throws InterruptedException {
        Path home = embedded.absoluteHome();
        Optional<UpStack> found = StatusCommand.upOrForget(home, System.out);
        if (found.isEmpty()) {
            System.out.println("soal down: nothing is up in " + home);
            return 0;
        }
        UpStack up = found.get();
        if (!force) {
            String held = stillWorking(up);
            if (held != null) {
                System.err.println("soal down: " + held + "; wait for them, or 'soal down --force'");
                return 1;
            }
        }
        ProcessHandle process = ProcessHandle.of(up.pid()).orElse(null);
        long started = System.nanoTime();
        // SIGTERM: its shutdown hook closes the stack and removes the record; past STOP_SECONDS it and its children are killed
        if (process != null && !dev.soal.adapters.local.LocalProcesses.stop(process, java.time.Duration.ofSeconds(STOP_SECONDS))) {
            System.err.println("soal down: pid " + up.pid() + " would not stop (is it yours?); " + UpStack.file(home) + " is kept");
            return 1;
        }
        up.removeIfCurrent(home); // gone without its hook (killed): its record too
        System.out.printf("soal down: stopped the stack in %s (pid %d) in %.1f s%n", home, up.pid(),
                (System.nanoTime() - started) / 1e9);
        return 0;
    }
}

package dev.soal.router.cli;

import dev.soal.router.embedded.LocalEnvironments;
import dev.soal.router.embedded.UpStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

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

    @Override
    public Integer call() throws InterruptedException {
        Path home = embedded.absoluteHome();
        Optional<UpStack> found = StatusCommand.upOrForget(home, System.out);
        if (found.isEmpty()) {
            System.out.println("soal down: nothing is up in " + home);
            return 0;
        }
        UpStack up = found.get();
        if (!force && up.lambda() != null) {
            try {
                long busy = LocalEnvironments.fetch(up.lambda()).stream().filter(e -> e.state().equals("BUSY")).count();
                if (busy > 0) {
                    System.err.println("soal down: " + busy + " environment" + (busy == 1 ? " runs a job" : "s run jobs")
                            + " ('soal jobs list' shows them); wait for them, or 'soal down --force'");
                    return 1;
                }
            } catch (IOException e) {
                // its Lambda service does not answer: nothing of it to wait for
            }
        }
        ProcessHandle process = ProcessHandle.of(up.pid()).orElse(null);
        long started = System.nanoTime();
        if (process != null) {
            process.destroy(); // SIGTERM: its shutdown hook closes the stack and removes the record
            try {
                process.onExit().get(STOP_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                System.err.println("soal down: pid " + up.pid() + " did not stop within " + STOP_SECONDS + " s; killing it");
                process.destroyForcibly();
                process.onExit().join();
            }
        }
        up.removeIfCurrent(home); // gone without its hook (killed): its record too
        System.out.printf("soal down: stopped the stack in %s (pid %d) in %.1f s%n", home, up.pid(),
                (System.nanoTime() - started) / 1e9);
        return 0;
    }
}

package dev.soal.tests;

import dev.soal.router.embedded.UpStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code soal up}, {@code soal run}, {@code soal status} and {@code soal down}, each its own process as a user types
 * them: the runs join the stack that is up, so the second finds the first's environment warm; {@code soal down}
 * refuses while a job runs and then stops the stack; after it, {@code soal run} starts a stack of its own again.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UpDownIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final Pattern ENVIRONMENT = Pattern.compile("\\((cold start|warm) in (\\S+)\\)");

    private Path home;

    @AfterEach
    void downInAnyCase() throws Exception {
        if (home != null && UpStack.read(home).isPresent()) {
            soal("down", "--force", "--home", home.toString());
        }
    }

    @Test
    void aSecondRunOnAStackThatIsUpIsWarm_andDownStopsIt() throws Exception {
        home = Files.createTempDirectory("soal-up");
        Path sample = ROOT.resolve("examples/listings/listings-sample.csv");
        Path slow = home.resolve("slow_stats.sql");
        // the example's aggregation, slowed down so the job is still running when 'soal down' is asked
        Files.writeString(slow, Files.readString(ROOT.resolve("examples/listings/neighbourhood_stats.sql"))
                + "\nSELECT reflect('java.lang.Thread', 'sleep', 6000L) AS slept;\n", StandardCharsets.UTF_8);

        Run up = soal("up", "--home", home.toString(), "--port", "0");
        assertThat(up.code()).as(up.out()).isZero();
        assertThat(up.out()).contains("the embedded stack is up in the background");
        UpStack record = UpStack.read(home).orElseThrow();
        assertThat(ProcessHandle.of(record.pid()).map(ProcessHandle::isAlive)).contains(true);

        Run status = soal("status", "--home", home.toString());
        assertThat(status.code()).as(status.out()).isZero();
        assertThat(status.out()).contains("(pid " + record.pid() + ")").contains("jobs API: " + record.api() + "/jobs");

        // one stack per home: a second soal up finds it, and a second server of the home's refuses (it holds the lock)
        Run again = soal("up", "--home", home.toString(), "--port", "0");
        assertThat(again.code()).as(again.out()).isZero();
        assertThat(again.out()).contains("soal up: already up").contains("(pid " + record.pid() + ")");
        UpStack.removeAny(home); // as if its record were lost: the lock still tells that a stack is there
        Run secondServer = soal("serve", "--up", "--home", home.toString(), "--port", "0");
        assertThat(secondServer.code()).as(secondServer.out()).isEqualTo(2);
        assertThat(secondServer.out()).contains("a stack is already up or starting in " + home.toAbsolutePath().normalize());
        record.write(home);

        Run first = soal("run", "--home", home.toString(), "--script", ROOT.resolve("examples/listings/neighbourhood_stats.sql").toString(),
                "--input", sample.toString());
        assertThat(first.code()).as(first.out()).isZero();
        assertThat(first.out()).contains("using the stack that is up (soal up, pid " + record.pid() + ")")
                .doesNotContain("embedded S3 at");
        String firstEnvironment = environment(first, "cold start");

        // a plain soal serve in the same home joins it too, as a second router over its S3, store and environments
        try (dev.soal.router.serve.ServeProcess serve = dev.soal.router.serve.ServeProcess.start(ROOT, home, null, List.of())) {
            assertThat(serve.s3()).isEqualTo(record.s3());
            assertThat(serve.output()).contains("joining the stack that is up in " + home.toAbsolutePath().normalize()
                    + " (soal up, pid " + record.pid() + ";");
            assertThat(serve.api()).isNotEqualTo(record.api());
        }
        assertThat(UpStack.running(home)).as("the joined server's end leaves the stack up").isPresent();

        // the second run, slowed down: while it runs, 'soal down' refuses, since it would end the job
        CompletableFuture<Run> second = CompletableFuture.supplyAsync(() -> soalUnchecked("run", "--home", home.toString(),
                "--script", slow.toString(), "--input", sample.toString()));
        awaitBusy(record);
        Run refused = soal("down", "--home", home.toString());
        assertThat(refused.code()).as(refused.out()).isEqualTo(1);
        assertThat(refused.out()).contains("jobs are still running or queued (").contains("soal down --force");
        assertThat(ProcessHandle.of(record.pid()).map(ProcessHandle::isAlive)).contains(true);

        Run secondRun = second.get(5, TimeUnit.MINUTES);
        assertThat(secondRun.code()).as(secondRun.out()).isZero();
        assertThat(environment(secondRun, "warm")).isEqualTo(firstEnvironment);
        assertThat(soal("status", "--home", home.toString()).out()).contains(", 2 invocations");
        // soal jobs finds the stack that is up, and its token, by the home alone
        Run jobs = soal("jobs", "list", "--home", home.toString());
        assertThat(jobs.code()).as(jobs.out()).isZero();
        assertThat(jobs.out()).contains(jobId(first)).contains(jobId(secondRun));

        Run down = soal("down", "--home", home.toString());
        assertThat(down.code()).as(down.out()).isZero();
        assertThat(down.out()).contains("soal down: stopped the stack in " + home.toAbsolutePath().normalize());
        assertThat(ProcessHandle.of(record.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(UpStack.file(home)).doesNotExist();

        Run after = soal("status", "--home", home.toString());
        assertThat(after.code()).isEqualTo(1);
        assertThat(after.out()).contains("nothing is up in");
        Run alone = soal("run", "--home", home.toString(), "--dry-run", "--script", slow.toString(), "--input", sample.toString());
        assertThat(alone.code()).as(alone.out()).isZero();
        assertThat(alone.out()).contains("embedded S3 at").doesNotContain("using the stack that is up");
    }

    @Test
    void aRecordWhoseProcessIsGoneIsForgotten() throws Exception {
        home = Files.createTempDirectory("soal-up-gone");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        new UpStack(gone.pid(), java.net.URI.create("http://127.0.0.1:1"), "t", java.net.URI.create("http://127.0.0.1:1"), null,
                java.net.URI.create("http://127.0.0.1:1/"), null, home.resolve("up.log").toString(), java.time.Instant.now()).write(home);

        Run status = soal("status", "--home", home.toString());
        assertThat(status.code()).isEqualTo(1);
        assertThat(status.out()).contains("(pid " + gone.pid() + ") is gone; its record is removed");
        assertThat(UpStack.file(home)).doesNotExist();
        Run down = soal("down", "--home", home.toString());
        assertThat(down.code()).isZero();
        assertThat(down.out()).contains("nothing is up in");
    }

    private static String environment(Run run, String warmth) {
        Matcher m = ENVIRONMENT.matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        assertThat(m.group(1)).as(run.out()).isEqualTo(warmth);
        return m.group(2);
    }

    private static String jobId(Run run) {
        Matcher m = Pattern.compile("^job (\\S+)", Pattern.MULTILINE).matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        return m.group(1);
    }

    private static void awaitBusy(UpStack up) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (dev.soal.router.embedded.LocalEnvironments.fetch(up.lambda()).stream().anyMatch(e -> e.state().equals("BUSY"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no environment became busy");
    }

    record Run(int code, String out) {
    }

    private static Run soalUnchecked(String... args) {
        try {
            return soal(args);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code ./soal ARGS} as its own process: exit code and what it printed (both streams). */
    private static Run soal(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsoal.home=" + ROOT, "-cp", System.getProperty("java.class.path"), "dev.soal.router.cli.SoalCli"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        System.out.println("$ soal " + String.join(" ", args) + "\n" + out.lines().filter(l -> !l.startsWith("  | "))
                .reduce("", (a, b) -> a + b + "\n") + "(exit " + code + ")");
        return new Run(code, out);
    }
}

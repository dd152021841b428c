package dev.soal.router.cli;

import dev.soal.policies.Policies;
import dev.soal.router.embedded.LocalEnvironments;
import dev.soal.router.embedded.UpStack;
import dev.soal.router.serve.LocalServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code soal up}: the embedded stack in the background, as a {@code soal serve} of its own process and session, for
 * {@code soal run} and {@code soal serve} to join; it returns once the stack answers and its provisioned environments
 * are primed. Exit code 0 when it is up (or already was), 1 when it did not start, 2 for bad input.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start the embedded stack in the background (S3, the local Lambda service and its provisioned environments,"
                + " the catalog, the jobs API and console; the cluster on demand). 'soal run' and 'soal serve' in the same home"
                + " then use it, so a second run finds its environment warm. 'soal down' stops it.")
final class UpCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "" + LocalServer.DEFAULT_PORT, description = "The jobs API's port on 127.0.0.1"
            + " (default ${DEFAULT-VALUE}; 0 for any).")
    int port;

    @Option(names = "--timeout", defaultValue = "300", description = "Seconds to wait for the stack to answer and its"
            + " provisioned environments to prime (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @picocli.CommandLine.Mixin
    EmbeddedOptions embedded = new EmbeddedOptions();

    @Override
    public Integer call() throws Exception {
        Path home = embedded.absoluteHome();
        Optional<UpStack> running = StatusCommand.upOrForget(home, System.out);
        if (running.isPresent()) {
            System.out.println("soal up: already up");
            StatusCommand.describe(running.get(), home, System.out);
            return 0;
        }
        Policies policies = embedded.policiesOrSay("up");
        if (policies == null) {
            return 2;
        }
        try {
            embedded.artifacts().requireBuilt();
        } catch (IllegalStateException e) {
            System.err.println("soal up: " + e.getMessage());
            return 2;
        }
        if (UpStack.locked(home)) {
            System.err.println("soal up: a stack is starting in " + home + " (it holds " + home.resolve(UpStack.LOCK)
                    + " but has written no record yet); 'soal status' tells once it is up");
            return 1;
        }
        Path log = home.resolve("work").resolve("up.log");
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        UpStack.ownerOnly(log); // it shows the API's token
        Instant launched = Instant.now();
        Process p = new ProcessBuilder(command(home)).directory(EmbeddedOptions.root().toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        p.getOutputStream().close();
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        UpStack up = null;
        while (up == null) {
            Optional<UpStack> r = UpStack.read(home).filter(u -> u.pid() == p.pid() && !u.startedAt().isBefore(launched));
            if (r.isPresent()) {
                up = r.get();
            } else if (!p.isAlive()) {
                System.err.println("soal up: the stack did not start (exit " + p.exitValue() + "); " + log + " ends:");
                tail(log, 20).forEach(l -> System.err.println("  " + l));
                return 1;
            } else if (System.nanoTime() > deadline) {
                return giveUp(p, log, "did not answer");
            } else {
                Thread.sleep(200);
            }
        }
        int wanted = policies.lambda().memory().stream().mapToInt(Policies.MemoryTier::provisioned).sum();
        if (wanted > 0) {
            System.out.println("soal up: priming " + wanted + " provisioned environment" + (wanted == 1 ? "" : "s") + "...");
            if (!awaitPrimed(up, wanted, deadline)) {
                return giveUp(p, log, "did not prime its provisioned environments");
            }
        }
        System.out.println("soal up: the embedded stack is up in the background");
        StatusCommand.describe(up, home, System.out);
        if (wanted == 0) {
            System.out.println("  no provisioned environments (lambda.memory[].provisioned is 0): the first small job starts one,"
                    + " later ones find it warm until it idles out");
        }
        return 0;
    }

    /** {@code soal serve --up} on this JVM's classpath, in a session of its own so the terminal's hang-up does not reach it. */
    private List<String> command(Path home) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsoal.home=" + EmbeddedOptions.root().toAbsolutePath().normalize(),
                "-cp", System.getProperty("java.class.path"), SoalCli.class.getName(), "serve", "--up",
                "--home", home.toString(), "--port", String.valueOf(port)));
        if (embedded.policy != null) {
            cmd.addAll(List.of("--policy", embedded.policy.toAbsolutePath().normalize().toString()));
        }
        return cmd;
    }

    /** Whether {@code wanted} provisioned environments are out of INIT before the deadline. */
    private static boolean awaitPrimed(UpStack up, int wanted, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            try {
                long ready = LocalEnvironments.fetch(up.lambda()).stream()
                        .filter(e -> e.provisioned() && !e.state().equals("INIT")).count();
                if (ready >= wanted) {
                    return true;
                }
            } catch (IOException e) {
                // not answering yet
            }
            Thread.sleep(500);
        }
        return false;
    }

    private int giveUp(Process p, Path log, String what) throws InterruptedException {
        System.err.println("soal up: the stack " + what + " within " + timeoutSeconds + " s; stopping it. " + log + " ends:");
        tail(log, 20).forEach(l -> System.err.println("  " + l));
        dev.soal.adapters.local.LocalProcesses.stop(p.toHandle(), java.time.Duration.ofSeconds(DownCommand.STOP_SECONDS));
        return 1;
    }

    static List<String> tail(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of("(cannot read it: " + e.getMessage() + ")");
        }
    }
}

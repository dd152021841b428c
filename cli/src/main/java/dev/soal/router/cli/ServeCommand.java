package dev.soal.router.cli;

import dev.soal.policies.Policies;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.embedded.LocalUploads;
import dev.soal.router.embedded.UpStack;
import dev.soal.router.serve.LocalServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code soal serve}: the jobs API and the S3 trigger on loopback, over the embedded stack, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the jobs API (POST/GET/DELETE /jobs) on loopback and run jobs for objects written under the policies' triggers.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", description = "Port on 127.0.0.1 (default " + LocalServer.DEFAULT_PORT + ", or any free one when it"
            + " joins a stack that is up; 0 for any).")
    Integer port;

    /** Set by {@code soal up}: this server is the home's stack that is up ({@link UpStack}). */
    @Option(names = "--up", hidden = true)
    boolean up;

    @Option(names = "--token", description = "The bearer token to require (default: a random one, printed).")
    String token;

    @picocli.CommandLine.Mixin
    EmbeddedOptions embedded = new EmbeddedOptions();

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "Join the embedded S3 server another 'soal serve'"
            + " printed: its buckets, job store and reconciler duties are then shared, and its local Lambda service and"
            + " catalog (start both with --simulate-runs, or neither); objects written to it raise S3 triggers in the"
            + " server that hosts it.")
    java.net.URI s3Endpoint;

    @Option(names = "--simulate-runs", paramLabel = "MILLIS", description = "For load tests: jobs do not run Spark;"
            + " a stand-in runtime claims each job as the real one does, waits MILLIS and succeeds.")
    Long simulateRunsMillis;

    @Option(names = "--script", description = "A local script to upload into s3://soal-scripts/<file name> at start (repeatable).")
    java.util.List<java.nio.file.Path> scripts = new java.util.ArrayList<>();

    @Option(names = "--input", description = "A local input file or folder to upload into s3://soal-data/inputs/<name> at start,"
            + " for POST /jobs to name (repeatable).")
    java.util.List<java.nio.file.Path> inputs = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        java.nio.file.Path home = embedded.absoluteHome();
        java.util.Optional<UpStack> running = UpStack.running(home);
        // a plain soal serve joins the stack that is up in its home, as a second router over it
        java.util.Optional<UpStack> joinable = !up && s3Endpoint == null && simulateRunsMillis == null ? running : java.util.Optional.empty();
        Policies policies = embedded.policiesOrSay("serve", joinable);
        if (policies == null) {
            return 2;
        }
        if (simulateRunsMillis != null && simulateRunsMillis < 0) {
            System.err.println("soal serve: --simulate-runs must be >= 0, but was " + simulateRunsMillis);
            return 2;
        }
        if (up && (running.isPresent() || !UpStack.lock(home))) {
            System.err.println("soal serve: a stack is already up or starting in " + home
                    + running.map(r -> " (pid " + r.pid() + ")").orElse("") + "; 'soal down' stops it");
            return 2;
        }
        boolean joinsUp = joinable.isPresent();
        if (joinsUp) {
            s3Endpoint = running.get().s3();
            System.out.println("soal serve: joining the stack that is up in " + home + " (soal up, pid " + running.get().pid()
                    + "; its jobs API is " + running.get().api() + "/jobs)");
        }
        EmbeddedStack stack;
        try {
            stack = EmbeddedStack.start(home, embedded.artifacts(), policies,
                    line -> System.out.println("  | " + line), EmbeddedStack.Options.serving(s3Endpoint,
                            simulateRunsMillis == null ? null : java.time.Duration.ofMillis(simulateRunsMillis)));
        } catch (RuntimeException e) {
            System.err.println("soal serve: cannot start" + (s3Endpoint == null ? "" : " with the S3 server at " + s3Endpoint)
                    + ": " + e.getMessage());
            return 2;
        }
        for (java.nio.file.Path s : scripts) {
            if (!java.nio.file.Files.isRegularFile(s)) {
                System.err.println("soal serve: no such script file: " + s);
                stack.close();
                return 2;
            }
        }
        for (java.nio.file.Path in : inputs) {
            if (!java.nio.file.Files.exists(in)) {
                System.err.println("soal serve: no such input file or folder: " + in);
                stack.close();
                return 2;
            }
        }
        LocalUploads uploads = new LocalUploads(stack.s3());
        for (java.nio.file.Path s : scripts) {
            System.out.println("  uploaded " + uploads.upload(s, EmbeddedStack.SCRIPTS, ""));
        }
        for (java.nio.file.Path in : inputs) {
            System.out.println("  uploaded " + uploads.upload(in, EmbeddedStack.DATA, EmbeddedStack.INPUTS));
        }
        int listen = port != null ? port : joinsUp ? 0 : LocalServer.DEFAULT_PORT;
        LocalServer server;
        try {
            server = LocalServer.start(stack, policies, listen, token, System.out);
        } catch (java.io.IOException e) {
            boolean inUse = e instanceof java.net.BindException || e.getCause() instanceof java.net.BindException;
            System.err.println("soal serve: cannot listen on 127.0.0.1:" + listen + ": " + (inUse
                    ? "the port is in use (another soal serve, or a soal up?); --port 0 takes any free one" : e.getMessage()));
            stack.close();
            return 2;
        }
        UpStack record = !up ? null : new UpStack(ProcessHandle.current().pid(), server.uri(), server.token(),
                stack.s3Settings().endpoint(), stack.lambdaService().map(dev.soal.router.embedded.LocalLambdaService::endpoint)
                .orElse(null), server.consoleUri(), embedded.policy == null ? null
                : embedded.policy.toAbsolutePath().normalize().toString(), home.resolve("work").resolve("up.log").toString(),
                java.time.Instant.now());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (record != null) {
                record.removeIfCurrent(home);
            }
            server.close();
            stack.close();
            stop.countDown();
        }));
        System.out.println("soal serve: jobs API on " + server.uri() + "/jobs");
        System.out.println("  console: " + server.consoleUri());
        System.out.println("  token: " + server.token() + "   (send 'Authorization: Bearer <token>'; soal jobs takes it as SOAL_TOKEN)");
        System.out.println("  " + (stack.s3Server().isPresent() ? "embedded S3 at " : "joined the S3 server at ")
                + stack.s3Settings().endpoint() + " (access key " + stack.s3Settings().accessKey() + ", secret "
                + stack.s3Settings().secretKey() + ")");
        LocalServer.describe(policies).forEach(t -> System.out.println("  trigger: " + t));
        if (record != null) {
            record.write(home); // last: soal up waits for it, and soal run joins what it names
        }
        stop.await();
        return 0;
    }
}

package dev.soal.router.cli;

import dev.soal.policies.Policies;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.embedded.LocalUploads;
import dev.soal.router.serve.LocalServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code soal serve}: the jobs API and the S3 trigger on loopback, over the embedded stack, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the jobs API (POST/GET/DELETE /jobs) on loopback and run jobs for objects written under the policies' triggers.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "" + LocalServer.DEFAULT_PORT, description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 for any).")
    int port;

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
        Policies policies = embedded.policiesOrSay("serve");
        if (policies == null) {
            return 2;
        }
        if (simulateRunsMillis != null && simulateRunsMillis < 0) {
            System.err.println("soal serve: --simulate-runs must be >= 0, but was " + simulateRunsMillis);
            return 2;
        }
        EmbeddedStack stack;
        try {
            stack = EmbeddedStack.start(embedded.stackHome(), embedded.artifacts(), policies,
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
        LocalServer server = LocalServer.start(stack, policies, port, token, System.out);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
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
        stop.await();
        return 0;
    }
}

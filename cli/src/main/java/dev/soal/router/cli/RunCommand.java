package dev.soal.router.cli;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRejectedException;
import dev.soal.core.JobRequest;
import dev.soal.core.Sizes;
import dev.soal.core.JobState;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import dev.soal.core.StateChange;
import dev.soal.core.StreamBinding;
import dev.soal.policies.Policies;
import dev.soal.router.JobService;
import dev.soal.router.api.JobsApi;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.embedded.LocalUploads;
import dev.soal.router.embedded.UpStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code soal run}: uploads local files into the embedded store, measures, prints the decision and its
 * reasons, shows each state change, and ends with the unified status and the output location.
 * Exit code 0 only on SUCCEEDED (or a dry run); 1 for a job that did not succeed; 2 for bad input.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one Spark job on the embedded default: embedded S3, Lambda path, standalone cluster path.")
final class RunCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final long POLL_MILLIS = 250;

    @Option(names = "--script", required = true, description = "A .sql file or .jar, local or s3://.")
    String script;

    @Option(names = "--input", arity = "1..*", description = "Input files or folders, local or s3://.")
    List<String> inputs;

    @Option(names = "--event", description = "A Lambda event (a JSON file): an S3 notification, whose objects are the inputs,"
            + " or a Kinesis or Kafka batch as an event source mapping delivers it, run on the Lambda path.")
    Path event;

    @Option(names = "--output", description = "Where the job writes: s3://soal-output/..., or a local folder to copy the output into.")
    String output;

    @Option(names = "--dry-run", description = "Print the decision and stop.")
    boolean dryRun;

    @Option(names = "--arg", description = "NAME=value, ${NAME} in SQL.")
    Map<String, String> arguments = new LinkedHashMap<>();

    @Option(names = "--tag", description = "key=value labels, matched by policy rules.")
    Map<String, String> tags = new LinkedHashMap<>();

    @Option(names = "--main-class", description = "The main class, for a .jar script.")
    String mainClass;

    @Option(names = "--idempotency-key", description = "A second run with the same key returns the first job.")
    String idempotencyKey;

    @Option(names = "--deadline", description = "When the result is wanted: 20m, 1h30m, 90s or PT20M. The router picks the"
            + " cheapest backend predicted to meet it, and prints the predictions.")
    String deadline;

    @Option(names = "--metrics", description = "Print the router's metrics at the end.")
    boolean metrics;

    @picocli.CommandLine.Mixin
    EmbeddedOptions embedded = new EmbeddedOptions();

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
        Path stackHome = embedded.absoluteHome();
        // a stack that is up in this home (soal up) is joined: its S3, job store, warm environments and catalog
        java.util.Optional<UpStack> up = UpStack.running(stackHome);
        Policies policies = embedded.policiesOrSay("run", up);
        if (policies == null) {
            return 2;
        }
        RuntimeArtifacts artifacts = embedded.artifacts();
        if (!dryRun) {
            try {
                artifacts.requireBuilt();
            } catch (IllegalStateException e) {
                System.err.println("soal run: " + e.getMessage());
                return 2;
            }
        }
        String eventJson = null;
        EventRun.Kind kind = null;
        try {
            if (event != null) {
                eventJson = Files.readString(event);
                String scriptUri = script.startsWith("s3://") ? script : "s3://" + EmbeddedStack.SCRIPTS + "/" + Path.of(script).getFileName();
                kind = EventRun.kind(eventJson, scriptUri, mainClass,
                        arguments, policies);
                if (kind.binding() != null) {
                    policies = EventRun.withStream(policies, kind.binding(), eventJson.length());
                }
            }
            if (deadline != null) {
                Sizes.parseDuration(deadline); // a bad one is refused before anything starts
            }
            boolean given = inputs != null && !inputs.isEmpty();
            if (kind == null && !given) {
                throw new IllegalArgumentException("--input is required (or --event)");
            }
            if (kind != null && given) {
                throw new IllegalArgumentException("--event names the job's inputs (an S3 notification's objects, or a stream's"
                        + " records): drop --input");
            }
        } catch (IOException e) {
            System.err.println("soal run: cannot read the event " + event + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("soal run: " + e.getMessage());
            return 2;
        }
        if (dryRun && kind != null && kind.binding() != null) {
            // a stream batch is not routed: it goes to its tier's runtime function, as the mapping would send it
            String name = kind.binding().name();
            StreamBinding b = policies.streams().stream().map(dev.soal.policies.StreamPolicy::binding)
                    .filter(s -> s.name().equals(name)).findFirst().orElseThrow();
            out.println("stream " + b.name() + ": the " + b.source() + " batch would go to "
                    + EmbeddedStack.RUNTIME_FUNCTION.replace("{memoryMb}", String.valueOf(b.memoryMb())) + " (" + b.memoryMb() + " MB)");
            out.println("dry run: nothing invoked");
            return 0;
        }
        if (up.isPresent() && kind != null && kind.binding() != null) {
            // the batch's stream binding is made for this run, and the stack that is up gave its runtime its streams at start
            System.err.println("soal run: a stream batch (--event) runs on a stack of its own, and a stack is up in " + stackHome
                    + " (pid " + up.get().pid() + "): 'soal down' first, or give this run another --home");
            return 2;
        }
        boolean localOutput = output != null && !output.startsWith("s3://") && !output.startsWith("s3a://");
        EmbeddedStack.Options options = up.map(u -> new EmbeddedStack.Options(u.s3(), null)).orElse(EmbeddedStack.Options.defaults());
        EmbeddedStack started;
        try {
            started = EmbeddedStack.start(stackHome, artifacts, policies, line -> out.println("  | " + line), options);
        } catch (IllegalStateException e) {
            if (up.isEmpty()) {
                throw e;
            }
            System.err.println("soal run: cannot join the stack that is up in " + stackHome + ": " + e.getMessage());
            return 2;
        }
        try (EmbeddedStack stack = started) {
            if (up.isPresent()) {
                out.println("using the stack that is up (soal up, pid " + up.get().pid() + "): S3 at " + up.get().s3()
                        + ", jobs API " + up.get().api() + "/jobs");
            } else {
                out.println("embedded S3 at " + stack.s3Settings().endpoint() + " (buckets in " + stackHome.resolve("s3") + ")");
            }
            String scriptUri = stage(stack, script, EmbeddedStack.SCRIPTS, "");
            if (kind != null && kind.binding() != null) {
                return EventRun.invoke(stack, policies, kind.binding(), eventJson, out);
            }
            List<String> inputUris = kind != null && !kind.s3Inputs().isEmpty() ? kind.s3Inputs() : stageAll(stack, inputs);
            JobRequest request = new JobRequest(scriptUri, mainClass,
                    inputUris, localOutput ? null : output, arguments, tags,
                    idempotencyKey == null ? null : JobsApi.API_KEY_NAMESPACE + idempotencyKey, eventJson)
                    .withDeadline(deadline == null ? null : Sizes.parseDuration(deadline));
            JobService jobs = stack.jobs();
            if (dryRun) {
                JobService.Plan plan = jobs.plan(request);
                printDecision(plan.measurement().toString(), plan.decision().backend().id(), plan.decision().reasons());
                out.println("dry run: nothing submitted");
                return 0;
            }
            JobService.Submitted submitted = jobs.submit(request);
            JobRecord job = submitted.job();
            out.println("job " + job.id() + (submitted.existing() ? " (existing: same idempotency key)" : ""));
            printDecision(job.measurement().toString(), job.decision().backend().id(), job.decision().reasons());
            job = follow(jobs, job);
            int code = finish(stack, job, localOutput);
            if (metrics) {
                out.println("metrics:");
                dev.soal.router.SoalMetrics.print(jobs.meters(), out);
            }
            return code;
        } catch (JobRejectedException | IllegalArgumentException e) {
            System.err.println("soal run: rejected: " + e.getMessage());
            return 2;
        } catch (SoalException e) {
            System.err.println("soal run: " + e.getMessage());
            return 1;
        }
    }

    private void printDecision(String measured, String backend, List<String> reasons) {
        out.println("measured: " + measured);
        out.println("decision: " + backend);
        reasons.forEach(r -> out.println("  - " + r));
    }

    private JobRecord follow(JobService jobs, JobRecord job) {
        int shown = 0;
        dev.soal.core.JobProgress progress = null;
        while (true) {
            List<StateChange> history = job.history();
            for (; shown < history.size(); shown++) {
                StateChange c = history.get(shown);
                out.printf("[%s] %-10s %s%n", TIME.format(c.at()), c.state(), c.message() == null ? "" : c.message());
            }
            // the running statement and its stages' tasks, as the runtime reports them
            if (!job.state().isTerminal() && job.progress() != null && !job.progress().sameAs(progress)) {
                progress = job.progress();
                out.printf("[%s] %-10s %s%n", TIME.format(progress.at()), job.state(), progress.describe());
            }
            if (job.state().isTerminal()) {
                return job;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return jobs.cancel(job.id());
            }
            job = jobs.refresh(job.id());
        }
    }

    private int finish(EmbeddedStack stack, JobRecord job, boolean localOutput) {
        S3Uri outUri = S3Uri.parse(job.request().outputUri());
        String took = job.durationMillis() == null ? "" : String.format(" in %.1f s", job.durationMillis() / 1000.0);
        String warmth = job.environment() == null ? ""
                : " (" + (job.environment().coldStart() ? "cold start" : "warm") + " in " + job.environment().id()
                + ("provisioned-concurrency".equals(job.environment().initializationType()) ? ", provisioned and primed" : "") + ")";
        out.println(job.state() + took + " on " + job.decision().backend() + warmth + " [job " + job.id() + "]");
        JobRecord priced = awaitCost(stack.jobs(), job);
        if (priced.cost() != null) {
            out.println("cost at " + priced.decision().backend() + " list prices: " + priced.cost());
        }
        if (job.state() != JobState.SUCCEEDED) {
            return 1;
        }
        Path folder = stack.s3Settings().endpoint() == null ? null
                : stack.workDir().getParent().resolve("s3").resolve(outUri.bucket()).resolve(outUri.key());
        out.println("output: " + outUri + (folder == null ? "" : " (local folder " + folder.normalize() + ")"));
        if (localOutput) {
            Path target = Path.of(output);
            int n = download(stack, outUri, target);
            out.println("copied " + n + " output file(s) to " + target);
        }
        return 0;
    }

    /** The run's process ends just after its last report; its cost is known then. */
    private JobRecord awaitCost(JobService jobs, JobRecord job) {
        for (int i = 0; i < 20 && job.cost() == null && job.backendHandle() != null; i++) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            job = jobs.refresh(job.id());
        }
        return job;
    }

    private int download(EmbeddedStack stack, S3Uri prefix, Path target) {
        int n = 0;
        for (var page : stack.s3().listObjectsV2Paginator(r -> r.bucket(prefix.bucket()).prefix(prefix.key()))) {
            for (S3Object o : page.contents()) {
                String rel = o.key().substring(prefix.key().length());
                if (rel.isEmpty() || rel.endsWith("/")) {
                    continue;
                }
                Path dest = target.resolve(rel).normalize();
                if (!dest.startsWith(target.normalize())) {
                    continue;
                }
                try {
                    Files.createDirectories(dest.getParent());
                    Files.deleteIfExists(dest);
                } catch (IOException e) {
                    throw new SoalException("cannot write " + dest + ": " + e.getMessage(), e, false);
                }
                stack.s3().getObject(r -> r.bucket(prefix.bucket()).key(o.key()), dest);
                n++;
            }
        }
        return n;
    }

    private List<String> stageAll(EmbeddedStack stack, List<String> paths) {
        List<String> uris = new ArrayList<>();
        for (String p : paths) {
            uris.add(stage(stack, p, EmbeddedStack.DATA, EmbeddedStack.INPUTS));
        }
        return uris;
    }

    private String stage(EmbeddedStack stack, String path, String bucket, String keyPrefix) {
        return new LocalUploads(stack.s3()).stage(path, bucket, keyPrefix);
    }
}

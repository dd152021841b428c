package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.Cost;
import dev.soal.core.PastRun;
import dev.soal.core.Prediction;
import dev.soal.core.Prices;

import java.util.List;
import java.util.Locale;

/**
 * Predicts a job's time to result and cost on each backend: the backend's start (documented defaults below), then the
 * run, from the script's history on that backend when it has one (its runs' time per byte as read, scaled to this
 * input), else from a default throughput per vCPU; the cost at list prices ({@link Prices}) for the backend's size in
 * the policies.
 *
 * <p>Starts: Lambda {@value #LAMBDA_COLD_MS} ms (a cold environment: INIT with Spark's session, measured 6-13 s on the
 * embedded default), {@value #LAMBDA_WARM_MS} ms when the router knows an environment of the tier is idle (the embedded
 * default's local Lambda service says so; in AWS the router cannot tell, and predicts cold); EMR Serverless
 * {@value #EMR_START_MS} ms (an application that auto-starts takes 1-2 minutes; a started one, 20-40 s per job run),
 * {@value #EMR_PREINITIALIZED_START_MS} ms with pre-initialized capacity ({@code emrServerless.initialCapacity}: "jobs
 * start immediately" on its warm workers, as the EMR Serverless guide puts it; spark-submit and the driver's session
 * remain, and an application that auto-stopped when idle starts again first);
 * Glue {@value #GLUE_START_MS} ms (Glue 5 starts a job in seconds to tens of seconds), FLEX {@value #FLEX_START_MS} ms
 * (it runs on spare capacity and may wait for it); the embedded standalone cluster {@value #STANDALONE_START_MS} ms.
 * Throughput: {@value #MB_PER_VCPU_SECOND} MB as read per vCPU-second (Spark SQL's scan-and-aggregate on CSV, measured on
 * the embedded default: the example's 50 MB in 2.8 s on one core).
 */
public final class Predictor {
    static final long LAMBDA_COLD_MS = 8_000;
    static final long LAMBDA_WARM_MS = 500;
    static final long EMR_START_MS = 90_000;
    static final long EMR_PREINITIALIZED_START_MS = 10_000;
    static final long GLUE_START_MS = 20_000;
    static final long FLEX_START_MS = 300_000;
    static final long STANDALONE_START_MS = 20_000;
    static final double MB_PER_VCPU_SECOND = 20;
    /** Lambda gives one vCPU per 1,769 MB, up to 6. */
    static final double LAMBDA_MB_PER_VCPU = 1769;
    /** A Glue DPU: 4 vCPU and 16 GB. */
    static final int GLUE_VCPU_PER_DPU = 4;

    private final Policies policies;
    private final int localCores;

    public Predictor(Policies policies) {
        this(policies, Runtime.getRuntime().availableProcessors());
    }

    Predictor(Policies policies, int localCores) {
        this.policies = policies;
        this.localCores = Math.max(1, localCores);
    }

    /** The prediction on Lambda at {@code memoryMb}, in a cold environment. */
    public Prediction lambda(int memoryMb, long asRead, List<PastRun> history) {
        return lambda(memoryMb, asRead, history, false);
    }

    /** The same, in a warm environment when {@code warm} (one of the tier is idle now, so it starts in well under a second). */
    public Prediction lambda(int memoryMb, long asRead, List<PastRun> history, boolean warm) {
        double vcpus = Math.min(6, memoryMb / LAMBDA_MB_PER_VCPU);
        Run run = run(Backend.LAMBDA, memoryMb, vcpus, asRead, history);
        return new Prediction(Backend.LAMBDA, memoryMb, warm ? LAMBDA_WARM_MS : LAMBDA_COLD_MS, run.millis(),
                Prices.lambda(memoryMb, run.millis()), (warm ? "a warm environment; " : "") + run.basis());
    }

    /** The prediction on a cluster backend, at the size the policies give it. */
    public Prediction cluster(Backend backend, long asRead, List<PastRun> history) {
        return switch (backend) {
            case EMR_SERVERLESS -> {
                Policies.EmrPolicy e = policies.emrServerless();
                Run run = run(backend, 0, e.maxExecutors() * e.executorCores(), asRead, history);
                // billed per second, at least a minute, for the job's workers
                double hours = Math.max(run.millis(), 60_000) / 3_600_000.0;
                yield new Prediction(backend, 0, e.initialCapacity().warm() ? EMR_PREINITIALIZED_START_MS : EMR_START_MS, run.millis(),
                        Prices.emrServerless(e.jobVcpus() * hours, e.jobMemoryGb() * hours, 0), run.basis());
            }
            case GLUE -> {
                Policies.GluePolicy g = policies.glue();
                double dpus = g.numberOfWorkers() * g.dpuPerWorker();
                double vcpus = (g.numberOfWorkers() - 1) * g.dpuPerWorker() * GLUE_VCPU_PER_DPU;
                Run run = run(backend, 0, vcpus, asRead, history);
                boolean flex = g.executionClass().equals("FLEX");
                yield new Prediction(backend, 0, flex ? FLEX_START_MS : GLUE_START_MS, run.millis(),
                        Prices.glue(Math.round(run.millis() / 1000.0), dpus, null, flex), run.basis());
            }
            case STANDALONE -> {
                Run run = run(backend, 0, localCores, asRead, history);
                yield new Prediction(backend, 0, STANDALONE_START_MS, run.millis(),
                        new Cost(0, "embedded standalone cluster: no list price"), run.basis());
            }
            case LAMBDA -> throw new IllegalArgumentException("lambda is predicted with its tier: lambda(memoryMb, ...)");
        };
    }

    private record Run(long millis, String basis) {
    }

    /** From the script's runs on this backend (and tier) that succeeded, else the default throughput. */
    private static Run run(Backend backend, int memoryMb, double vcpus, long asRead, List<PastRun> history) {
        List<PastRun> same = history.stream().filter(r -> r.backend() == backend && r.memoryMb() == memoryMb
                && r.outcome() == dev.soal.core.JobState.SUCCEEDED && r.estimatedBytes() > 0).limit(HistoryRule.RUNS).toList();
        if (!same.isEmpty()) {
            double perByte = same.stream().mapToDouble(r -> (double) r.durationMillis() / r.estimatedBytes()).max().orElse(0);
            return new Run(Math.round(perByte * asRead), "history: " + same.size() + " run(s), "
                    + String.format(Locale.ROOT, "%.2f s per 100 MB", perByte * 100 * 1024 * 1024 / 1000));
        }
        double seconds = asRead / (1024.0 * 1024) / (MB_PER_VCPU_SECOND * Math.max(0.1, vcpus));
        return new Run(Math.round(seconds * 1000), String.format(Locale.ROOT, "default: %.0f MB/s per vCPU x %.1f vCPU",
                MB_PER_VCPU_SECOND, vcpus));
    }
}

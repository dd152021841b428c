package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.JobState;
import dev.soal.core.PastRun;
import dev.soal.core.RunUsage;
import dev.soal.core.Sizes;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What past runs of a script on inputs of the same shape ({@link dev.soal.core.RunHistory}) say of a job the size rule
 * sends to Lambda: its last run spilled over (to the cluster at once), its Lambda runs came within {@link #NEAR} of a
 * limit once scaled to this job's input (a bigger tier that leaves room, else the cluster), or they left room (it keeps
 * its tier). Scaling is linear in the bytes as read: a run's duration, its heap above what it started with, its
 * {@code /tmp}; only runs of at least 1/{@link #REACH} of this job's bytes are scaled, since a much smaller run's
 * usage is mostly Spark's own and says nothing of how this one grows.
 */
final class HistoryRule {
    /** A run that uses this share of a limit (heap, function timeout, /tmp) is near it. */
    static final double NEAR = 0.8;
    /** The Lambda runs the rule looks at, newest first. */
    static final int RUNS = 5;
    /**
     * How far beyond {@code lambda.maxInputBytes} history may take a job: up to this many times the bytes as read of
     * a run that succeeded on Lambda, so the reach grows with every larger run that succeeds there (the history keeps
     * the largest).
     */
    static final double REACH = 4;

    /** What history says: go to {@code backend} ({@code memoryMb} on Lambda), because {@code reason}. */
    record Verdict(Backend backend, Policies.MemoryTier tier, String reason) {
    }

    private HistoryRule() {
    }

    /**
     * @param tier     the tier the size rule chose
     * @param asRead   this job's inputs' bytes as read
     * @param cluster  the cluster backend a job goes to from here, or null when none is configured
     */
    static Optional<Verdict> apply(Policies.LambdaPolicy lambda, Policies.MemoryTier tier, long asRead, List<PastRun> runs,
                                   Backend cluster) {
        if (runs.isEmpty()) {
            return Optional.empty();
        }
        PastRun last = runs.get(0);
        if (last.spilled() != null && cluster != null && asRead * 2 >= last.estimatedBytes()) {
            return Optional.of(new Verdict(cluster, null, "history: its last run (job " + last.jobId() + ", "
                    + Sizes.format(last.estimatedBytes()) + " as read) spilled over from lambda " + last.lambdaMemoryMb()
                    + " MB (" + last.spilled().name().toLowerCase(Locale.ROOT) + " ran out) -> " + cluster));
        }
        // runs on far smaller inputs say too little of this one: what a run of 200 KB uses is mostly Spark's own
        // baseline, which scaled by bytes predicts a 50 MB job needs many times any heap
        List<PastRun> onLambda = runs.stream().filter(r -> r.backend() == Backend.LAMBDA && r.outcome() == JobState.SUCCEEDED
                && r.usage() != null && r.memoryMb() > 0 && comparable(r, asRead)).limit(RUNS).toList();
        if (onLambda.isEmpty()) {
            return Optional.empty();
        }
        double timeout = lambda.timeoutSeconds() * 1000.0;
        double time = onLambda.stream().mapToDouble(r -> r.durationMillis() * scale(r, asRead) / timeout).max().orElse(0);
        double tmp = onLambda.stream().mapToDouble(r -> tmp(r, asRead)).max().orElse(0);
        String seen = onLambda.size() + " run(s) of this script on inputs like these (up to "
                + Sizes.format(onLambda.stream().mapToLong(PastRun::estimatedBytes).max().orElse(0)) + " as read)";
        String at = " at " + Sizes.format(asRead) + " as read";
        double heap = heap(onLambda, tier, asRead);
        if (heap < NEAR && time < NEAR && tmp < NEAR) {
            return Optional.of(new Verdict(Backend.LAMBDA, tier, "history: " + seen + " predict " + shares(heap, time, tmp)
                    + at + " -> keeps lambda " + tier.memoryMb() + " MB"));
        }
        if (time < NEAR && tmp < NEAR) {
            for (Policies.MemoryTier bigger : lambda.memory()) {
                if (bigger.memoryMb() > tier.memoryMb() && heap(onLambda, bigger, asRead) < NEAR) {
                    return Optional.of(new Verdict(Backend.LAMBDA, bigger, "history: " + seen + " predict " + shares(heap, time, tmp)
                            + at + " at " + tier.memoryMb() + " MB, within " + pct(1 - NEAR) + " of the heap -> lambda "
                            + bigger.memoryMb() + " MB (" + pct(heap(onLambda, bigger, asRead)) + " of its heap)"));
                }
            }
        }
        String limit = time >= NEAR ? "the function timeout (" + lambda.timeoutSeconds() + " s)"
                : tmp >= NEAR ? "/tmp" : "the heap of every tier";
        if (cluster == null) {
            return Optional.of(new Verdict(Backend.LAMBDA, tier, "history: " + seen + " predict " + shares(heap, time, tmp) + at
                    + ", within " + pct(1 - NEAR) + " of " + limit + ", but no cluster backend is configured here -> lambda "
                    + tier.memoryMb() + " MB"));
        }
        return Optional.of(new Verdict(cluster, null, "history: " + seen + " predict " + shares(heap, time, tmp) + at
                + ", within " + pct(1 - NEAR) + " of " + limit + " -> " + cluster));
    }

    /**
     * What past runs say of a job the size rule sends to a cluster ({@code asRead} above {@code lambda.maxInputBytes}):
     * Lambda at the smallest tier that leaves room, when its Lambda runs, scaled to this input, stay short of
     * {@link #NEAR} of every limit (the runs of at least 1/{@link #REACH} of this input's size: smaller ones say too
     * little of it; no tier smaller than theirs), and no recent run of it spilled over at twice this size or less. Empty otherwise: the job goes where the size rule sends it. Only for a
     * router that spills over, so a wrong guess costs one retry.
     */
    static Optional<Verdict> beyondThreshold(Policies.LambdaPolicy lambda, long asRead, List<PastRun> runs) {
        if (runs.stream().limit(RUNS).anyMatch(r -> r.spilled() != null && r.estimatedBytes() <= asRead * 2)) {
            return Optional.empty();
        }
        List<PastRun> onLambda = runs.stream().filter(r -> r.backend() == Backend.LAMBDA && r.outcome() == JobState.SUCCEEDED
                && r.usage() != null && r.memoryMb() > 0 && comparable(r, asRead)).limit(RUNS).toList();
        if (onLambda.isEmpty()) {
            return Optional.empty();
        }
        long largest = onLambda.stream().mapToLong(PastRun::estimatedBytes).max().orElse(0);
        double timeout = lambda.timeoutSeconds() * 1000.0;
        double time = onLambda.stream().mapToDouble(r -> r.durationMillis() * scale(r, asRead) / timeout).max().orElse(0);
        double tmp = onLambda.stream().mapToDouble(r -> tmp(r, asRead)).max().orElse(0);
        if (time >= NEAR || tmp >= NEAR) {
            return Optional.empty();
        }
        // no smaller tier than the runs had: a tier's vCPUs scale with its memory, and the time was scaled by bytes alone
        int runsMb = onLambda.stream().mapToInt(PastRun::memoryMb).max().orElse(0);
        return lambda.memory().stream().sorted(java.util.Comparator.comparingInt(Policies.MemoryTier::memoryMb))
                .filter(t -> t.memoryMb() >= runsMb && heap(onLambda, t, asRead) < NEAR).findFirst()
                .map(t -> new Verdict(Backend.LAMBDA, t, "history: " + onLambda.size() + " run(s) of this script on lambda (up to "
                        + Sizes.format(largest) + " as read) predict " + shares(heap(onLambda, t, asRead), time, tmp) + " at "
                        + Sizes.format(asRead) + " as read -> lambda " + t.memoryMb() + " MB (spills over if it runs out)"));
    }

    /**
     * Whether a run's input was at least 1/{@link #REACH} of this job's, so that scaling its usage by bytes says
     * something of this job (a larger run always does). A run of no bytes, or of bytes not known, cannot be scaled:
     * it says something only of a job of no bytes either (an empty partition of the same shape).
     */
    private static boolean comparable(PastRun r, long asRead) {
        return r.estimatedBytes() > 0 ? r.estimatedBytes() * REACH >= asRead : asRead <= 0;
    }

    /** This job's bytes over the run's (1 when the run's are not known). */
    private static double scale(PastRun r, long asRead) {
        return r.estimatedBytes() <= 0 ? 1 : (double) asRead / r.estimatedBytes();
    }

    /** The largest share of {@code tier}'s heap any run predicts: what it started with, and its growth scaled. */
    private static double heap(List<PastRun> runs, Policies.MemoryTier tier, long asRead) {
        double worst = 0;
        for (PastRun r : runs) {
            RunUsage u = r.usage();
            if (u.maxHeapBytes() == 0) {
                continue;
            }
            double max = u.maxHeapBytes() * (double) tier.memoryMb() / r.memoryMb();
            double peak = u.startHeapBytes() + Math.max(0, u.peakHeapBytes() - u.startHeapBytes()) * scale(r, asRead);
            worst = Math.max(worst, peak / max);
        }
        return worst;
    }

    private static double tmp(PastRun r, long asRead) {
        return r.usage().tmpTotalBytes() == 0 ? 0 : r.usage().tmpUsedBytes() * scale(r, asRead) / r.usage().tmpTotalBytes();
    }

    private static String shares(double heap, double time, double tmp) {
        return pct(heap) + " of the heap, " + pct(time) + " of the timeout and " + pct(tmp) + " of /tmp";
    }

    private static String pct(double share) {
        return Math.round(share * 100) + "%";
    }
}

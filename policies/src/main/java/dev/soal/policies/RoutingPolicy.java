package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.JobRejectedException;
import dev.soal.core.JobRequest;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import dev.soal.core.Sizes;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns a measured request into a {@link RoutingDecision} with its reasons, and checks the allowlists.
 *
 * <pre>{@code
 * RoutingPolicy policy = new RoutingPolicy(PolicyLoader.load(path), Set.of(Backend.LAMBDA, Backend.STANDALONE));
 * policy.checkAllowed(request);                         // throws JobRejectedException
 * RoutingDecision d = policy.decide(request, measurement);
 * }</pre>
 *
 * @param available  the backends this router can reach; others are skipped with a reason
 * @param warmLambda whether an environment of the Lambda tier of this memory (MB) is idle now, where the router can
 *                   tell (the embedded default's local Lambda service); predictions for deadlines use it
 */
public record RoutingPolicy(Policies policies, Set<Backend> available, java.util.function.IntPredicate warmLambda) {

    public RoutingPolicy {
        available = Set.copyOf(available);
        warmLambda = warmLambda == null ? memoryMb -> false : warmLambda;
    }

    /** A router that cannot tell whether a Lambda environment is warm (in AWS): it predicts cold starts. */
    public RoutingPolicy(Policies policies, Set<Backend> available) {
        this(policies, available, null);
    }

    /** Rejects a request whose script, inputs or output lie outside the allowlists. */
    public void checkAllowed(JobRequest request) {
        Policies.Allowlists a = policies.allowlists();
        check(request.scriptUri(), a.scriptBuckets(), "script", "allowlists.scriptBuckets");
        for (String input : request.inputUris()) {
            check(input, a.inputBuckets(), "input", "allowlists.inputBuckets");
        }
        if (request.outputUri() != null) {
            check(request.outputUri(), a.outputBuckets(), "output", "allowlists.outputBuckets");
        }
        for (String key : request.sparkConf().keySet()) {
            if (!a.allowsSparkConf(key)) {
                throw new dev.soal.core.NotAllowedException("spark conf key '" + key + "' is not in allowlists.sparkConfKeys "
                        + a.sparkConfKeys());
            }
        }
    }

    private static void check(String uri, List<String> buckets, String what, String field) {
        String bucket = S3Uri.parse(uri).bucket();
        if (!buckets.contains(bucket)) {
            throw new dev.soal.core.NotAllowedException(what + " " + uri + " is in bucket '" + bucket
                    + "', which is not in " + field + " " + buckets);
        }
    }

    public RoutingDecision decide(JobRequest request, Measurement measured) {
        return decide(request, measured, List.of());
    }

    /**
     * The decision, with what past runs of the script on inputs of the same shape took ({@code history}, newest first):
     * rules first, then size; a job size sends to Lambda goes where its history says it fits ({@link HistoryRule}), and
     * one it sends to a cluster goes to Lambda when its runs there predict room at this size and spill-over is on.
     */
    public RoutingDecision decide(JobRequest request, Measurement measured, List<dev.soal.core.PastRun> history) {
        List<String> reasons = new ArrayList<>();
        for (Policies.Rule rule : policies.rules()) {
            if (rule.matches(request.inputUris(), request.tags())) {
                if (available.contains(rule.backend())) {
                    reasons.add(rule.describe() + " matched -> " + rule.backend());
                    if (request.deadlineSeconds() != null) {
                        reasons.add("deadline " + Sizes.duration(request.deadlineSeconds() * 1000) + ": the rule decides");
                    }
                    return decision(rule.backend(), measured, reasons);
                }
                reasons.add(rule.describe() + " matched, but " + rule.backend() + " is not configured here; routing by size");
                break;
            }
        }
        Policies.LambdaPolicy lambda = policies.lambda();
        long asRead = lambda.expansion().estimate(measured);
        String size = "input " + Sizes.format(measured.totalBytes()) + expanded(measured, asRead);
        String limit = "lambda.maxInputBytes " + Sizes.format(lambda.maxInputBytes());
        boolean small = asRead <= lambda.maxInputBytes();
        if (small && available.contains(Backend.LAMBDA)) {
            reasons.add(size + " <= " + limit + " -> lambda");
            Policies.MemoryTier tier = lambda.tierFor(asRead);
            Backend cluster = policies.clusterOrder().stream().filter(available::contains).findFirst().orElse(null);
            java.util.Optional<HistoryRule.Verdict> v = HistoryRule.apply(lambda, tier, asRead, history, cluster);
            if (v.isPresent()) {
                reasons.add(v.get().reason());
                if (v.get().backend() != Backend.LAMBDA) {
                    return weighed(request, new RoutingDecision(v.get().backend(), 0, reasons, null, asRead), history);
                }
                tier = v.get().tier();
            }
            reasons.add("lambda memory " + tier.memoryMb() + " MB (tier up to " + Sizes.format(tier.upToBytes()) + ")");
            return weighed(request, new RoutingDecision(Backend.LAMBDA, tier.memoryMb(), reasons, spillTo(), asRead), history);
        }
        if (!small && available.contains(Backend.LAMBDA) && spillTo() != null) {
            java.util.Optional<HistoryRule.Verdict> room = HistoryRule.beyondThreshold(lambda, asRead, history);
            if (room.isPresent()) {
                Policies.MemoryTier tier = room.get().tier();
                reasons.add(size + " > " + limit);
                reasons.add(room.get().reason());
                reasons.add("lambda memory " + tier.memoryMb() + " MB");
                return weighed(request, new RoutingDecision(Backend.LAMBDA, tier.memoryMb(), reasons, spillTo(), asRead), history);
            }
        }
        List<Backend> skipped = new ArrayList<>();
        for (Backend b : policies.clusterOrder()) {
            if (!available.contains(b)) {
                skipped.add(b);
                continue;
            }
            reasons.add(small ? size + " <= " + limit + ", but lambda is not configured here -> " + b
                    : size + " > " + limit + " -> " + b);
            if (!skipped.isEmpty()) {
                reasons.add("clusters.order " + policies.clusterOrder() + ": " + join(skipped)
                        + " not configured here; first configured is " + b);
            }
            return weighed(request, decision(b, measured, reasons), history);
        }
        reasons.add(small ? size + " <= " + limit + ", but lambda is not configured here"
                : size + " > " + limit + ", but no backend of clusters.order " + policies.clusterOrder() + " is configured here");
        throw new JobRejectedException("no backend can run this job: " + String.join("; ", reasons)
                + " (configured: " + available + ")");
    }

    private static String join(List<Backend> backends) {
        return String.join(", ", backends.stream().map(Backend::id).toList());
    }

    /**
     * A job with a deadline goes to the cheapest backend predicted to meet it ({@link Predictor}): the natural decision's
     * backend (Lambda at its tier when size and history allow it) and every configured cluster are predicted, and the
     * reasons show them side by side. None predicted to meet it: the fastest. Without a deadline, a job that fits Lambda
     * stays there, and one for a cluster goes to the first of {@code clusters.order}, or with {@code clusters.choose:
     * cheapest} to the cheapest configured cluster.
     */
    private RoutingDecision weighed(JobRequest request, RoutingDecision natural, List<dev.soal.core.PastRun> history) {
        Predictor predictor = new Predictor(policies);
        List<dev.soal.core.Prediction> all = new ArrayList<>();
        if (natural.backend() == Backend.LAMBDA) {
            if (request.deadlineSeconds() == null) {
                return natural; // it fits Lambda, the cheapest by far: nothing to weigh
            }
            dev.soal.core.Prediction onLambda = predictor.lambda(natural.lambdaMemoryMb(), natural.inputBytesAsRead(), history,
                    warmLambda.test(natural.lambdaMemoryMb()));
            // a run predicted past the function timeout would only spill over: Lambda is no candidate then
            if (onLambda.runMillis() <= policies.lambda().timeoutSeconds() * 1000L) {
                all.add(onLambda);
            }
        }
        for (Backend b : policies.clusterOrder()) {
            if (available.contains(b)) {
                all.add(predictor.cluster(b, natural.inputBytesAsRead(), history));
            }
        }
        if (all.isEmpty() || (request.deadlineSeconds() == null && (all.size() < 2 || !policies.clustersByCost()))) {
            return natural;
        }
        // by cost, then time; a backend without a list price (the embedded standalone cluster) after every priced one
        java.util.Comparator<dev.soal.core.Prediction> cheapest = java.util.Comparator
                .comparing((dev.soal.core.Prediction p) -> p.cost().usd() == 0 && p.backend() == Backend.STANDALONE)
                .thenComparingDouble(p -> p.cost().usd()).thenComparingLong(dev.soal.core.Prediction::totalMillis);
        String said;
        dev.soal.core.Prediction chosen;
        if (request.deadlineSeconds() == null) {
            chosen = all.stream().min(cheapest).orElseThrow();
            said = "no deadline: predicted " + String.join(", ", all.stream().map(dev.soal.core.Prediction::describe).toList())
                    + " -> the cheapest is " + chosen.backend();
        } else {
            long deadline = request.deadlineSeconds() * 1000;
            java.util.Optional<dev.soal.core.Prediction> meets = all.stream().filter(p -> p.totalMillis() <= deadline).min(cheapest);
            chosen = meets.orElseGet(() -> all.stream()
                    .min(java.util.Comparator.comparingLong(dev.soal.core.Prediction::totalMillis)).orElseThrow());
            said = "deadline " + Sizes.duration(deadline) + ": predicted " + String.join(", ",
                    all.stream().map(dev.soal.core.Prediction::describe).toList()) + " -> "
                    + (meets.isPresent() ? "the cheapest to meet it is " : "none is predicted to meet it; the fastest is ") + chosen.backend();
        }
        List<String> reasons = new ArrayList<>(natural.reasons());
        reasons.add(said);
        List<dev.soal.core.Prediction> ordered = new ArrayList<>(List.of(chosen));
        all.stream().filter(p -> p != chosen).forEach(ordered::add);
        boolean onLambda = chosen.backend() == Backend.LAMBDA;
        return new RoutingDecision(chosen.backend(), onLambda ? chosen.memoryMb() : 0, reasons, onLambda ? natural.spillTo() : null,
                natural.inputBytesAsRead(), ordered);
    }

    /** How the inputs' formats grow them as read, when they do: " (csv.gzip x4: 1.2 GB as read)". */
    private String expanded(Measurement measured, long asRead) {
        if (asRead == measured.totalBytes()) {
            return "";
        }
        String main = measured.mainFormat();
        String how = measured.bytesByFormat().size() == 1
                ? main + " x" + factor(policies.lambda().expansion().factor(main))
                : "mostly " + main + ", by lambda.expansion";
        return " (" + how + ": " + Sizes.format(asRead) + " as read)";
    }

    private static String factor(double f) {
        return f == Math.rint(f) ? String.valueOf((long) f) : String.valueOf(f);
    }

    private RoutingDecision decision(Backend backend, Measurement measured, List<String> reasons) {
        long asRead = policies.lambda().expansion().estimate(measured);
        if (backend != Backend.LAMBDA) {
            return new RoutingDecision(backend, 0, reasons, null, asRead);
        }
        Policies.MemoryTier tier = policies.lambda().tierFor(asRead);
        reasons.add("lambda memory " + tier.memoryMb() + " MB (tier up to " + Sizes.format(tier.upToBytes()) + ")");
        return new RoutingDecision(backend, tier.memoryMb(), reasons, spillTo(), asRead);
    }

    /**
     * Where a Lambda-path job goes if it runs out of resources: the policies' {@code lambda.spillOver} backend, else the
     * first configured backend of {@code clusters.order}; null when spill-over is off or that backend is not here.
     */
    public Backend spillTo() {
        Policies.SpillOver s = policies.lambda().spillOver();
        if (!s.enabled()) {
            return null;
        }
        if (s.backend() != null) {
            return available.contains(s.backend()) ? s.backend() : null;
        }
        return policies.clusterOrder().stream().filter(available::contains).findFirst().orElse(null);
    }
}

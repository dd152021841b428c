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
 * @param available the backends this router can reach; others are skipped with a reason
 */
public record RoutingPolicy(Policies policies, Set<Backend> available) {

    public RoutingPolicy {
        available = Set.copyOf(available);
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
        List<String> reasons = new ArrayList<>();
        for (Policies.Rule rule : policies.rules()) {
            if (rule.matches(request.inputUris(), request.tags())) {
                if (available.contains(rule.backend())) {
                    reasons.add(rule.describe() + " matched -> " + rule.backend());
                    return decision(rule.backend(), measured, reasons);
                }
                reasons.add(rule.describe() + " matched, but " + rule.backend() + " is not configured here; routing by size");
                break;
            }
        }
        Policies.LambdaPolicy lambda = policies.lambda();
        String size = "input " + Sizes.format(measured.totalBytes());
        String limit = "lambda.maxInputBytes " + Sizes.format(lambda.maxInputBytes());
        boolean small = measured.totalBytes() <= lambda.maxInputBytes();
        if (small && available.contains(Backend.LAMBDA)) {
            reasons.add(size + " <= " + limit + " -> lambda");
            return decision(Backend.LAMBDA, measured, reasons);
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
            return decision(b, measured, reasons);
        }
        reasons.add(small ? size + " <= " + limit + ", but lambda is not configured here"
                : size + " > " + limit + ", but no backend of clusters.order " + policies.clusterOrder() + " is configured here");
        throw new JobRejectedException("no backend can run this job: " + String.join("; ", reasons)
                + " (configured: " + available + ")");
    }

    private static String join(List<Backend> backends) {
        return String.join(", ", backends.stream().map(Backend::id).toList());
    }

    private RoutingDecision decision(Backend backend, Measurement measured, List<String> reasons) {
        if (backend != Backend.LAMBDA) {
            return new RoutingDecision(backend, 0, reasons);
        }
        Policies.MemoryTier tier = policies.lambda().tierFor(measured.totalBytes());
        reasons.add("lambda memory " + tier.memoryMb() + " MB (tier up to " + Sizes.format(tier.upToBytes()) + ")");
        return new RoutingDecision(backend, tier.memoryMb(), reasons);
    }
}

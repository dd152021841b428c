package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.Sizes;

import java.util.List;
import java.util.Map;

/**
 * The routing policy, loaded once from the policies YAML (see {@code policies/policies.yaml}).
 *
 * @param lambda       when a job is small enough for Lambda, and how much memory it gets
 * @param clusterOrder cluster backends in order of preference for jobs too big for Lambda
 * @param rules        overrides by input prefix or tag, first match wins
 * @param allowlists   buckets scripts, inputs and outputs may come from
 */
public record Policies(LambdaPolicy lambda, List<Backend> clusterOrder, List<Rule> rules, Allowlists allowlists) {

    public static final long DEFAULT_MAX_INPUT_BYTES = Sizes.parse("400MB");

    public Policies {
        if (clusterOrder == null || clusterOrder.isEmpty()) {
            throw new IllegalArgumentException("clusters.order must name at least one cluster backend");
        }
        for (Backend b : clusterOrder) {
            if (!b.isCluster()) {
                throw new IllegalArgumentException("clusters.order must list cluster backends only, but had '" + b + "'");
            }
        }
        clusterOrder = List.copyOf(clusterOrder);
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    /** Lambda threshold and memory tiers; {@code memory} is sorted by {@code upToBytes} and covers the threshold. */
    public record LambdaPolicy(long maxInputBytes, List<MemoryTier> memory) {
        public LambdaPolicy {
            if (maxInputBytes <= 0) {
                throw new IllegalArgumentException("lambda.maxInputBytes must be > 0, but was " + maxInputBytes);
            }
            if (memory == null || memory.isEmpty()) {
                throw new IllegalArgumentException("lambda.memory must list at least one tier");
            }
            long previous = -1;
            for (MemoryTier tier : memory) {
                if (tier.upToBytes() <= previous) {
                    throw new IllegalArgumentException("lambda.memory tiers must be in increasing upTo order, but "
                            + Sizes.format(tier.upToBytes()) + " follows " + Sizes.format(previous));
                }
                previous = tier.upToBytes();
            }
            if (previous < maxInputBytes) {
                throw new IllegalArgumentException("lambda.memory must cover lambda.maxInputBytes "
                        + Sizes.format(maxInputBytes) + ", but its last tier ends at " + Sizes.format(previous));
            }
            memory = List.copyOf(memory);
        }

        /** The smallest tier whose {@code upTo} holds {@code bytes}. */
        public MemoryTier tierFor(long bytes) {
            for (MemoryTier tier : memory) {
                if (bytes <= tier.upToBytes()) {
                    return tier;
                }
            }
            return memory.get(memory.size() - 1);
        }
    }

    /** Lambda memory for inputs up to {@code upToBytes}. */
    public record MemoryTier(long upToBytes, int memoryMb) {
        public MemoryTier {
            if (memoryMb < 128 || memoryMb > 10_240) {
                throw new IllegalArgumentException("memoryMb must be within 128..10240 (Lambda's limits), but was " + memoryMb);
            }
        }
    }

    /**
     * Sends matching jobs to {@code backend}. A rule matches when every condition it sets holds:
     * some input starts with {@code inputPrefix}, and the job carries every tag in {@code tags}.
     */
    public record Rule(String name, String inputPrefix, Map<String, String> tags, Backend backend) {
        public Rule {
            if (backend == null) {
                throw new IllegalArgumentException("rule '" + name + "' must name a backend");
            }
            tags = tags == null ? Map.of() : Map.copyOf(tags);
            if (inputPrefix == null && tags.isEmpty()) {
                throw new IllegalArgumentException("rule '" + name + "' must set inputPrefix or tags");
            }
        }

        public boolean matches(List<String> inputUris, Map<String, String> jobTags) {
            boolean prefixOk = inputPrefix == null || inputUris.stream().anyMatch(u -> u.startsWith(inputPrefix));
            boolean tagsOk = tags.entrySet().stream().allMatch(e -> e.getValue().equals(jobTags.get(e.getKey())));
            return prefixOk && tagsOk;
        }

        public String describe() {
            StringBuilder s = new StringBuilder("rule '").append(name).append("' (");
            if (inputPrefix != null) {
                s.append("input prefix ").append(inputPrefix);
            }
            if (!tags.isEmpty()) {
                s.append(inputPrefix != null ? ", " : "").append("tags ").append(tags);
            }
            return s.append(')').toString();
        }
    }

    /** Buckets that scripts, inputs and outputs may live in. */
    public record Allowlists(List<String> scriptBuckets, List<String> inputBuckets, List<String> outputBuckets) {
        public Allowlists {
            scriptBuckets = List.copyOf(scriptBuckets);
            inputBuckets = List.copyOf(inputBuckets);
            outputBuckets = List.copyOf(outputBuckets);
        }
    }
}

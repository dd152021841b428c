package dev.soal.core;

import java.util.List;

/**
 * Where a job runs and why. {@code reasons} are plain sentences kept in the job record and shown to
 * users, e.g. {@code "input 512.3 MB > lambda.maxInputBytes 400 MB -> standalone"}.
 *
 * @param lambdaMemoryMb memory for the Lambda path (0 for cluster backends)
 */
public record RoutingDecision(Backend backend, int lambdaMemoryMb, List<String> reasons) {
    public RoutingDecision {
        if (backend == null) {
            throw new IllegalArgumentException("backend must be set");
        }
        if (backend == Backend.LAMBDA && (lambdaMemoryMb < 128 || lambdaMemoryMb > 10_240)) {
            throw new IllegalArgumentException("lambdaMemoryMb must be within 128..10240, but was " + lambdaMemoryMb);
        }
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}

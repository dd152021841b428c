package dev.soal.core;

import java.util.List;

/**
 * Where a job runs and why. {@code reasons} are plain sentences kept in the job record and shown to
 * users, e.g. {@code "input 512.3 MB > lambda.maxInputBytes 400 MB -> standalone"}.
 *
 * @param lambdaMemoryMb memory for the Lambda path (0 for cluster backends)
 * @param spillTo        the cluster backend a Lambda-path job runs on again, once, if it runs out of resources
 *                       ({@link SpillOvers}); null: it does not spill over
 * @param inputBytesAsRead the inputs' bytes as the policies estimated them as read (their formats' expansion); 0 when
 *                       not estimated
 * @param predictions    what the router predicted on each backend it weighed (a job with a deadline), the chosen one
 *                       first; empty when it predicted nothing
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record RoutingDecision(Backend backend, int lambdaMemoryMb, List<String> reasons, Backend spillTo,
                              long inputBytesAsRead, List<Prediction> predictions) {
    public RoutingDecision {
        if (backend == null) {
            throw new IllegalArgumentException("backend must be set");
        }
        if (backend == Backend.LAMBDA && (lambdaMemoryMb < 128 || lambdaMemoryMb > 10_240)) {
            throw new IllegalArgumentException("lambdaMemoryMb must be within 128..10240, but was " + lambdaMemoryMb);
        }
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        predictions = predictions == null ? List.of() : List.copyOf(predictions);
        if (inputBytesAsRead < 0) {
            throw new IllegalArgumentException("inputBytesAsRead must be >= 0, but was " + inputBytesAsRead);
        }
        if (spillTo != null && (backend != Backend.LAMBDA || !spillTo.isCluster())) {
            throw new IllegalArgumentException("only a lambda decision spills over, and only to a cluster backend, but had "
                    + backend + " -> " + spillTo);
        }
    }

    public RoutingDecision(Backend backend, int lambdaMemoryMb, List<String> reasons) {
        this(backend, lambdaMemoryMb, reasons, null, 0, List.of());
    }

    public RoutingDecision(Backend backend, int lambdaMemoryMb, List<String> reasons, Backend spillTo) {
        this(backend, lambdaMemoryMb, reasons, spillTo, 0, List.of());
    }

    public RoutingDecision(Backend backend, int lambdaMemoryMb, List<String> reasons, Backend spillTo, long inputBytesAsRead) {
        this(backend, lambdaMemoryMb, reasons, spillTo, inputBytesAsRead, List.of());
    }

    /** The decision for {@code backend} instead (a fallback, a spill-over), all else kept. */
    public RoutingDecision movedTo(Backend to, List<String> newReasons) {
        return new RoutingDecision(to, to == Backend.LAMBDA ? lambdaMemoryMb : 0, newReasons, null, inputBytesAsRead, predictions);
    }
}

package dev.soal.core;

/**
 * What the router predicts a job takes on one backend: the time to its result (the backend's start, then the run) and
 * the cost at list prices, with how it worked them out. Kept in the decision beside the outcome, so a prediction's
 * error can be told afterwards.
 *
 * @param memoryMb the Lambda tier (0 on a cluster)
 * @param basis    where the run's time came from ("history: 3 runs, 0.8 s per 100 MB" or "default: 20 MB/s per vCPU x 4")
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record Prediction(Backend backend, int memoryMb, long startMillis, long runMillis, Cost cost, String basis) {
    public Prediction {
        if (backend == null || cost == null) {
            throw new IllegalArgumentException("a prediction names its backend and its cost");
        }
        if (startMillis < 0 || runMillis < 0) {
            throw new IllegalArgumentException("a prediction's times are never negative");
        }
    }

    /** The time from the decision to the result. */
    public long totalMillis() {
        return startMillis + runMillis;
    }

    /** "glue 1 m 35 s $0.0733", as reasons show it. */
    public String describe() {
        return backend + (memoryMb > 0 ? " " + memoryMb + " MB" : "") + " " + Sizes.duration(totalMillis())
                + String.format(java.util.Locale.ROOT, " $%.4f", cost.usd());
    }
}

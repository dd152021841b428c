package dev.soal.core;

/**
 * What a run cost, in US dollars at list prices, and how it was worked out
 * (e.g. {@code "0.0417 vCPU-h x $0.052624 + 0.1667 GB-h x $0.0057785"}).
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record Cost(double usd, String basis) {
    public Cost {
        if (usd < 0 || Double.isNaN(usd)) {
            throw new IllegalArgumentException("usd must be >= 0, but was " + usd);
        }
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "$%.6f (%s)", usd, basis);
    }
}

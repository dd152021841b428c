package dev.soal.core;

/**
 * The execution environment a runtime attempt ran in (a Lambda container, a local runtime JVM):
 * its id, whether the attempt was its first job and the environment had not been primed (a cold start: JVM,
 * Spark session and S3A started for it) or found it warm, and how Lambda started it
 * ({@code AWS_LAMBDA_INITIALIZATION_TYPE}: {@code on-demand}, or {@code provisioned-concurrency} for one kept ready
 * and primed before any job; null where unknown).
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record RuntimeEnvironment(String id, boolean coldStart, String initializationType) {
    public RuntimeEnvironment {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("environment id must be set");
        }
    }

    public RuntimeEnvironment(String id, boolean coldStart) {
        this(id, coldStart, null);
    }
}

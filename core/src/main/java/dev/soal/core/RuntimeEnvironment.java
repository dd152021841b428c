package dev.soal.core;

/**
 * The execution environment a runtime attempt ran in (a Lambda container, a local runtime JVM):
 * its id, and whether the attempt was its first job (a cold start: JVM, Spark session and S3A started
 * for it) or found it warm.
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record RuntimeEnvironment(String id, boolean coldStart) {
    public RuntimeEnvironment {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("environment id must be set");
        }
    }
}

package dev.soal.core;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The places a job can run. {@link #id()} is the name used in policies, records and the CLI. */
public enum Backend {
    LAMBDA("lambda"),
    STANDALONE("standalone"),
    EMR_SERVERLESS("emr-serverless"),
    GLUE("glue");

    private final String id;

    Backend(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public boolean isCluster() {
        return this != LAMBDA;
    }

    public static Backend fromId(String id) {
        for (Backend b : values()) {
            if (b.id.equals(id)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + id + "', expected one of "
                + Arrays.stream(values()).map(Backend::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id;
    }
}

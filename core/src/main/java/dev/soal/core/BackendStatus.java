package dev.soal.core;

/**
 * What a backend says of a run, already mapped to the unified state; the native words are kept, and
 * the run's cost once the backend knows it (null before).
 */
public record BackendStatus(JobState state, String nativeState, String message, Cost cost) {
    public BackendStatus {
        if (state == null) {
            throw new IllegalArgumentException("state must be set");
        }
    }

    public BackendStatus(JobState state, String nativeState, String message) {
        this(state, nativeState, message, null);
    }
}

package dev.soal.core;

/** What a backend says of a run, already mapped to the unified state; the native words are kept. */
public record BackendStatus(JobState state, String nativeState, String message) {
    public BackendStatus {
        if (state == null) {
            throw new IllegalArgumentException("state must be set");
        }
    }
}

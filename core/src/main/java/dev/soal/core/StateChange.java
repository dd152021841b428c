package dev.soal.core;

import java.time.Instant;

/** One entry of a job's history: the state it reached, when, and what the backend said. */
public record StateChange(JobState state, Instant at, String message) {
}

package dev.soal.core;

import java.time.Instant;

/** One entry of a job's history: the state it reached, when, and what the backend said. */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record StateChange(JobState state, Instant at, String message) {
}

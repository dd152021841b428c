package dev.soal.router;

import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.SubmitOutcome;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A backend that records submits and answers as told. */
public final class RecordingBackend implements JobBackend {
    final Backend kind;
    public final List<String> submitted = new CopyOnWriteArrayList<>();
    public volatile SubmitOutcome answer = new SubmitOutcome.Accepted("run-1", "SUBMITTED");
    public volatile BackendStatus status = new BackendStatus(JobState.RUNNING, "RUNNING", null);
    public volatile RuntimeException failure;
    public volatile boolean selfReporting = true;
    public final List<String> cancelled = new CopyOnWriteArrayList<>();
    /** Runs while a submit is on its way (before the backend answers). */
    public volatile Runnable onSubmit = () -> { };
    /** Which job each run belongs to, as the backend would tell from the run's name or arguments. */
    public final java.util.Map<String, String> jobOfRun = new java.util.concurrent.ConcurrentHashMap<>();

    public RecordingBackend(Backend kind) {
        this.kind = kind;
    }

    @Override
    public boolean runtimeReportsProgress() {
        return selfReporting;
    }

    @Override
    public Backend kind() {
        return kind;
    }

    @Override
    public SubmitOutcome submit(JobRecord job) {
        submitted.add(job.id());
        onSubmit.run();
        if (failure != null) {
            throw failure;
        }
        return answer;
    }

    @Override
    public java.util.Optional<String> jobIdOf(String handle) {
        return java.util.Optional.ofNullable(jobOfRun.get(handle));
    }

    @Override
    public BackendStatus status(JobRecord job) {
        return status;
    }

    @Override
    public void cancel(JobRecord job) {
        cancelled.add(job.id());
        status = new BackendStatus(JobState.CANCELLED, "KILLED", "stopped");
    }
}


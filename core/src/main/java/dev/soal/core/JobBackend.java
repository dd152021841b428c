package dev.soal.core;

/**
 * The port every place a job can run implements: Lambda, a Spark standalone cluster, EMR Serverless, Glue.
 * Implementations are safe to call again with the same job: a retried submit never starts a second run.
 */
public interface JobBackend {
    Backend kind();

    SubmitOutcome submit(JobRecord job);

    /** The run's state now, mapped to the unified state machine. */
    BackendStatus status(JobRecord job);

    /** Asks the run to stop; the final state arrives through {@link #status}. */
    void cancel(JobRecord job);

    /**
     * True when the runtime itself reports RUNNING into the job store (Lambda, the embedded backends),
     * so only this backend's terminal states are folded into the record; false when the backend's
     * own states (EMR Serverless, Glue) are the progress to show.
     */
    default boolean runtimeReportsProgress() {
        return false;
    }
}

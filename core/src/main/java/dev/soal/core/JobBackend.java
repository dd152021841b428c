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

    /**
     * The run this backend started for the job, found without its handle (by the name or arguments the
     * submit gave it); empty when there is none or the backend cannot tell. Used before a job that was
     * never recorded as submitted is cancelled or given up on, so no run is left behind.
     */
    default java.util.Optional<String> findRun(JobRecord job) {
        return java.util.Optional.empty();
    }

    /** The job a run of this backend was started for (from the run's name, tags or arguments); empty if none. */
    default java.util.Optional<String> jobIdOf(String handle) {
        return java.util.Optional.empty();
    }

    /**
     * For backends whose runtime reports progress: how long after a submit the runtime has to claim the
     * job before the submit is taken as lost and made again (the runtime's claim makes a second delivery
     * harmless).
     */
    default java.time.Duration startLease() {
        return java.time.Duration.ofMinutes(16);
    }
}

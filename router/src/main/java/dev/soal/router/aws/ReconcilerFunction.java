package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.soal.router.JobService;

import java.util.Map;

/**
 * The reconciler as a Lambda on a schedule (EventBridge, every minute): one sweep over the index of
 * unfinished jobs ({@link JobService#reconcileUnfinished}), in parallel and within the invocation's deadline,
 * going on where the last sweep stopped: resends jobs whose submit lapsed with no run, asks backends about
 * silent runs, applies timeouts. The event's content is not used.
 */
public final class ReconcilerFunction extends RouterFunction<ScheduledEvent, Map<String, Object>> {
    /** Jobs looked at per sweep at most; the rest wait for the next one. */
    static final int BATCH = 1_000;

    private final JobService jobs;

    public ReconcilerFunction() {
        this(AwsRuntime.fromEnvironment().jobs(), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    ReconcilerFunction(JobService jobs, Runnable afterEach) {
        super(afterEach);
        this.jobs = jobs;
    }

    @Override
    Map<String, Object> handle(ScheduledEvent event) {
        return Map.of("jobsLookedAt", jobs.reconcileUnfinished(BATCH));
    }
}

package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.soal.router.JobService;

import java.util.Map;

/**
 * The reconciler as a Lambda on a schedule (EventBridge, every minute): one sweep over the index of
 * unfinished jobs ({@link JobService#reconcileUnfinished}): resends jobs whose submit lapsed with no run,
 * asks backends about silent runs, applies timeouts. The event's content is not used.
 */
public final class ReconcilerFunction implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Jobs looked at per sweep at most; the rest wait for the next one. */
    static final int BATCH = 1_000;

    private final JobService jobs;
    private final Runnable afterEach;

    public ReconcilerFunction() {
        this(AwsRuntime.fromEnvironment().jobs(), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    ReconcilerFunction(JobService jobs, Runnable afterEach) {
        this.jobs = jobs;
        this.afterEach = afterEach;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        try {
            return Map.of("jobsLookedAt", jobs.reconcileUnfinished(BATCH));
        } finally {
            afterEach.run();
        }
    }
}

package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/**
 * What every router Lambda shares: its work on its typed event (from {@code aws-lambda-java-events}, which
 * the runtime interface client fills), then, whatever happened, what the invocation counted leaves as
 * metrics before Lambda freezes the container ({@link AwsRuntime#flushMetrics()}).
 */
public abstract class RouterFunction<I, O> implements RequestHandler<I, O> {
    private final Runnable afterEach;

    RouterFunction(Runnable afterEach) {
        this.afterEach = afterEach;
    }

    /** Kept back from the function's remaining time, for the answer and the metrics to leave. */
    static final java.time.Duration FINISHING = java.time.Duration.ofSeconds(2);

    @Override
    public final O handleRequest(I event, Context context) {
        AwsRuntime.identify(context);
        try {
            return deadline(context).run(() -> handle(event));
        } finally {
            afterEach.run();
        }
    }

    /** The one deadline every step of this invocation draws from: the function's remaining time, less {@link #FINISHING}. */
    dev.soal.core.Deadline deadline(Context context) {
        java.time.Duration left = context == null ? java.time.Duration.ofMinutes(15)
                : java.time.Duration.ofMillis(context.getRemainingTimeInMillis());
        return dev.soal.core.Deadline.in(left.minus(FINISHING), "the end of this invocation");
    }

    abstract O handle(I event);
}

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

    @Override
    public final O handleRequest(I event, Context context) {
        AwsRuntime.identify(context);
        try {
            return handle(event);
        } finally {
            afterEach.run();
        }
    }

    abstract O handle(I event);
}

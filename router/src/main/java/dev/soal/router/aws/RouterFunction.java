package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.util.Map;

/**
 * What every router Lambda shares: its work, then, whatever happened, what the invocation counted
 * leaves as metrics before Lambda freezes the container ({@link AwsRuntime#flushMetrics()}).
 */
public abstract class RouterFunction implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final Runnable afterEach;

    RouterFunction(Runnable afterEach) {
        this.afterEach = afterEach;
    }

    @Override
    public final Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        try {
            return handle(event);
        } finally {
            afterEach.run();
        }
    }

    abstract Map<String, Object> handle(Map<String, Object> event);
}

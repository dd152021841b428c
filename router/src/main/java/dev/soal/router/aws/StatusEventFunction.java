package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.soal.core.Json;
import dev.soal.router.status.StatusEvents;

import java.util.Map;

/**
 * The status handler as a Lambda: target of the EventBridge rules for EMR Serverless and Glue state
 * changes, and consumer of the SQS queue that is the Spark runtime's on-failure destination.
 */
public final class StatusEventFunction implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final StatusEvents events;
    private final Runnable afterEach;

    public StatusEventFunction() {
        this(AwsRuntime.fromEnvironment().statusEvents(), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    StatusEventFunction(StatusEvents events, Runnable afterEach) {
        this.events = events;
        this.afterEach = afterEach;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        try {
            return Map.of("outcomes", events.handle(Json.write(event)));
        } finally {
            afterEach.run();
        }
    }
}

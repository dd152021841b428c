package dev.soal.router.aws;

import dev.soal.core.Json;
import dev.soal.router.status.StatusEvents;

import java.util.Map;

/**
 * The status handler as a Lambda: target of the EventBridge rules for EMR Serverless and Glue state
 * changes, and consumer of the SQS queue that is the Spark runtime's on-failure destination.
 */
public final class StatusEventFunction extends RouterFunction {
    private final StatusEvents events;

    public StatusEventFunction() {
        this(AwsRuntime.fromEnvironment().statusEvents(), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    StatusEventFunction(StatusEvents events, Runnable afterEach) {
        super(afterEach);
        this.events = events;
    }

    @Override
    Map<String, Object> handle(Map<String, Object> event) {
        return Map.of("outcomes", events.handle(Json.write(event)));
    }
}

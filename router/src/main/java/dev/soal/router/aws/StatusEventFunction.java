package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.soal.router.status.StatusEvents;

import java.util.Map;

/**
 * The status handler as a Lambda: target of the EventBridge rules for EMR Serverless and Glue state
 * changes. (The runtime's on-failure records come through {@link RuntimeFailureFunction}.)
 */
public final class StatusEventFunction extends RouterFunction<ScheduledEvent, Map<String, Object>> {
    private final StatusEvents events;

    public StatusEventFunction() {
        this(AwsRuntime.fromEnvironment().statusEvents(), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    StatusEventFunction(StatusEvents events, Runnable afterEach) {
        super(afterEach);
        this.events = events;
    }

    @Override
    Map<String, Object> handle(ScheduledEvent event) {
        return Map.of("outcomes", events.handle(event));
    }
}

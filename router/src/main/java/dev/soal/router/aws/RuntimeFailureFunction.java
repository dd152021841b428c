package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.soal.router.status.StatusEvents;

import java.util.Map;

/**
 * The consumer of the SQS queue that is the Spark runtime's on-failure destination: each message is a
 * Lambda destination record, which ends its job with the function's own error (see {@link StatusEvents}).
 */
public final class RuntimeFailureFunction extends RouterFunction<SQSEvent, Map<String, Object>> {
    private final StatusEvents events;

    public RuntimeFailureFunction() {
        this(AwsRuntime.fromEnvironment().statusEvents(), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    RuntimeFailureFunction(StatusEvents events, Runnable afterEach) {
        super(afterEach);
        this.events = events;
    }

    @Override
    Map<String, Object> handle(SQSEvent event) {
        return Map.of("outcomes", events.handle(event));
    }
}

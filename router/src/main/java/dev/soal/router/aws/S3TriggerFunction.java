package dev.soal.router.aws;

import dev.soal.core.Json;
import dev.soal.router.triggers.S3TriggerHandler;

import java.util.List;
import java.util.Map;

/**
 * The S3 ObjectCreated trigger as a Lambda (S3 event notifications on the input buckets). Returns what
 * happened to each record; throws only for an event that is not an S3 event at all.
 */
public final class S3TriggerFunction extends RouterFunction {
    private final S3TriggerHandler handler;

    public S3TriggerFunction() {
        this(AwsRuntime.fromEnvironment().s3Trigger(), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    S3TriggerFunction(S3TriggerHandler handler, Runnable afterEach) {
        super(afterEach);
        this.handler = handler;
    }

    @Override
    Map<String, Object> handle(Map<String, Object> event) {
        List<S3TriggerHandler.Outcome> outcomes = handler.handle(Json.write(event));
        return Map.of("records", outcomes);
    }
}

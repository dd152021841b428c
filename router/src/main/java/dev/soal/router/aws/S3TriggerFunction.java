package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.soal.core.Json;
import dev.soal.router.triggers.S3TriggerHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The S3 ObjectCreated trigger as a Lambda (S3 event notifications on the input buckets). It takes the
 * event as S3 sent it and reads it with the AWS SDK's S3 event model ({@code S3EventNotification.fromJson}),
 * so nothing is lost to a second mapping. Returns what happened to each record; throws only for an event
 * that is not an S3 event at all.
 */
public final class S3TriggerFunction implements RequestStreamHandler {
    private final S3TriggerHandler handler;
    private final Runnable afterEach;

    public S3TriggerFunction() {
        this(AwsRuntime.fromEnvironment().s3Trigger(), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    S3TriggerFunction(S3TriggerHandler handler, Runnable afterEach) {
        this.handler = handler;
        this.afterEach = afterEach;
    }

    @Override
    public void handleRequest(InputStream event, OutputStream result, Context context) throws IOException {
        AwsRuntime.identify(context);
        try {
            List<S3TriggerHandler.Outcome> outcomes = handler.handle(new String(event.readAllBytes(), StandardCharsets.UTF_8));
            result.write(Json.write(Map.of("records", outcomes)).getBytes(StandardCharsets.UTF_8));
        } finally {
            afterEach.run();
        }
    }
}

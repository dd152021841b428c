package dev.soal.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import dev.soal.core.Json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * The embedded stack's stand-in for the Lambda service: one JVM (heap sized from the function memory,
 * as Lambda sizes it) that reads a payload file and calls {@link SparkLambdaHandler} exactly as the
 * Lambda Java runtime would. Usage: {@code LocalLambdaMain <payload.json>}.
 */
public final class LocalLambdaMain {
    /** The handler, as Lambda names it (the image's CMD): what this stand-in calls, and what AWS calls. */
    public static final String HANDLER = SparkLambdaHandler.class.getName() + "::handleRequest";

    /** Lambda's own limit; the embedded stack holds the function to it too. */
    public static final int TIMEOUT_SECONDS = 900;

    private LocalLambdaMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: LocalLambdaMain <payload.json>");
            System.exit(2);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> payload = Json.mapper().readValue(
                Files.readString(Path.of(args[0]), StandardCharsets.UTF_8), Map.class);
        long deadline = System.currentTimeMillis() + TIMEOUT_SECONDS * 1000L;
        Map<String, Object> result = new SparkLambdaHandler().handleRequest(payload, new LocalContext(deadline));
        System.out.println("RESULT " + Json.write(result));
        System.exit(0);
    }

    private record LocalContext(long deadline) implements Context {
        @Override
        public String getAwsRequestId() {
            return UUID.randomUUID().toString();
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/soal-runtime-local";
        }

        @Override
        public String getLogStreamName() {
            return "local";
        }

        @Override
        public String getFunctionName() {
            return "soal-runtime-local";
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:000000000000:function:soal-runtime-local";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return (int) Math.max(0, deadline - System.currentTimeMillis());
        }

        @Override
        public int getMemoryLimitInMB() {
            return Integer.parseInt(System.getenv().getOrDefault(RuntimeConfig.MEMORY_ENV, "3008"));
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    System.out.println(message);
                }

                @Override
                public void log(byte[] message) {
                    System.out.println(new String(message, StandardCharsets.UTF_8));
                }
            };
        }
    }
}

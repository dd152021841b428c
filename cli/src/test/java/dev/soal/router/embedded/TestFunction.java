package dev.soal.router.embedded;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A handler for the local Lambda service's tests, run by the real runtime interface client. The payload
 * says what to do: {@code sleepMs}, {@code print} (a line to standard output, then a metrics line as the runtime
 * writes one), {@code fail} (throw with this message), {@code exit} (exit code).
 * INIT sleeps {@code TEST_INIT_SLEEP_MS} and fails when {@code TEST_INIT_FAIL} is set.
 */
public class TestFunction implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final String ENVIRONMENT = UUID.randomUUID().toString();
    private static int served;

    public TestFunction() throws InterruptedException {
        Thread.sleep(Long.parseLong(System.getenv().getOrDefault("TEST_INIT_SLEEP_MS", "0")));
        if (System.getenv("TEST_INIT_FAIL") != null) {
            throw new IllegalStateException(System.getenv("TEST_INIT_FAIL"));
        }
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        if (event.get("sleepMs") != null) {
            try {
                Thread.sleep(((Number) event.get("sleepMs")).longValue());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (event.get("print") != null) {
            System.out.println(event.get("print"));
            System.out.println(dev.soal.core.EmbeddedMetrics.line("Test", Map.of("function", context.getFunctionName()),
                    java.util.List.of(new dev.soal.core.EmbeddedMetrics.Value("printed", 1, "Count")), java.time.Instant.now()));
        }
        if (event.get("exit") != null) {
            System.exit(((Number) event.get("exit")).intValue());
        }
        if (event.get("fail") != null) {
            throw new IllegalArgumentException(String.valueOf(event.get("fail")));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("environment", ENVIRONMENT);
        out.put("served", ++served);
        out.put("requestId", context.getAwsRequestId());
        out.put("function", context.getFunctionName());
        out.put("memory", context.getMemoryLimitInMB());
        out.put("remainingMs", context.getRemainingTimeInMillis());
        out.put("tmp", System.getenv("SOAL_TMP_DIR"));
        out.put("nativeClient", nativeClientLibrary());
        return out;
    }

    /** Where the runtime interface client's JNI library was loaded from, as the process maps it. */
    private static String nativeClientLibrary() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(l -> l.contains("libaws-lambda-jni"))
                    .map(l -> l.substring(l.indexOf('/')))
                    .findFirst().orElse("");
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}

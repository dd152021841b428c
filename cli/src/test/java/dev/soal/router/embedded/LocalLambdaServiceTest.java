package dev.soal.router.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.aws.AwsClients;
import dev.soal.core.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvalidRequestContentException;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.RequestTooLargeException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The local Lambda service through the AWS SDK's own Lambda client, with environments run by the real
 * runtime interface client around {@link TestFunction}: warm reuse, the concurrency limit and its queue,
 * timeouts, INIT's budget, crashes, idle stops, and Lambda's error answers.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LocalLambdaServiceTest {
    private static final String HANDLER = TestFunction.class.getName() + "::handleRequest";
    @TempDir
    Path dir;
    private LocalLambdaService service;
    private LambdaClient lambda;
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<String> logs = new CopyOnWriteArrayList<>();

    private LocalLambdaService start(LocalLambdaService.Settings settings, Map<String, String> env, Duration timeout) {
        service = LocalLambdaService.start(new LocalLambdaService.Runtime(System.getProperty("java.class.path"), List.of(), env),
                settings, dir, LambdaSandbox.none(), logs::add, failures::add);
        service.register(new LocalLambdaService.Function("fn", 256, timeout, HANDLER));
        service.register(new LocalLambdaService.Function("other", 256, timeout, HANDLER));
        lambda = new AwsClients(Region.US_EAST_1, service.endpoint(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")), Duration.ofSeconds(60)).lambda();
        return service;
    }

    @AfterEach
    void stop() {
        if (lambda != null) {
            lambda.close();
        }
        if (service != null) {
            service.close();
        }
    }

    private JsonNode call(String function, String payload) {
        InvokeResponse r = lambda.invoke(b -> b.functionName(function).payload(SdkBytes.fromUtf8String(payload)));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.functionError()).as(r.payload().asUtf8String()).isNull();
        return read(r.payload().asUtf8String());
    }

    private static JsonNode read(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }

    @Test
    void aSecondInvocationRunsWarmInTheSameEnvironment_withLambdasContext() {
        start(LocalLambdaService.Settings.defaults(), Map.of(), Duration.ofSeconds(30));
        JsonNode first = call("fn", "{}");
        JsonNode second = call("arn:aws:lambda:us-east-1:000000000000:function:fn", "{}");

        assertThat(second.path("environment").asText()).isEqualTo(first.path("environment").asText());
        assertThat(second.path("served").asInt()).isEqualTo(2);
        assertThat(first.path("function").asText()).isEqualTo("fn");
        assertThat(first.path("memory").asInt()).isEqualTo(256);
        assertThat(first.path("remainingMs").asLong()).isBetween(20_000L, 30_000L);
        // the runtime interface client's JNI library comes from the environment's own /tmp, never the shared
        // /tmp/.libaws-lambda-jni.so that environments starting at once would overwrite under each other
        assertThat(first.path("nativeClient").asText()).isEqualTo(first.path("tmp").asText() + "/libaws-lambda-jni.so");
        assertThat(service.environments()).singleElement().satisfies(e -> assertThat(e.invocations()).isEqualTo(2));
    }

    @Test
    void whatAnEnvironmentPrints_reachesTheLog_butItsMetricsLinesOnlyItsEnvironmentLog() throws Exception {
        start(LocalLambdaService.Settings.defaults(), Map.of(), Duration.ofSeconds(30));
        call("fn", "{\"print\": \"rows: 3\"}");
        String env = service.environments().get(0).id();
        Path environmentLog = dir.resolve("fn").resolve(env).resolve("environment.log");
        long until = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < until && !(Files.exists(environmentLog) && Files.readString(environmentLog).contains("_aws"))) {
            Thread.sleep(50);
        }
        assertThat(Files.readString(environmentLog)).contains("rows: 3").contains("{\"_aws\":");
        assertThat(logs).anyMatch(l -> l.endsWith("] rows: 3"));
        assertThat(logs).noneMatch(l -> l.contains("_aws"));
    }

    @Test
    void eventInvocationsAreAccepted202_andQueuedBeyondTheConcurrencyLimit() throws Exception {
        start(LocalLambdaService.Settings.defaults(), Map.of(), Duration.ofSeconds(30));
        for (int i = 0; i < 4; i++) {
            InvokeResponse r = lambda.invoke(b -> b.functionName("fn").invocationType(InvocationType.EVENT)
                    .payload(SdkBytes.fromUtf8String("{\"sleepMs\": 1500}")));
            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(r.responseMetadata().requestId()).isNotBlank();
        }
        int most = 0;
        long until = System.currentTimeMillis() + 150_000;
        while (System.currentTimeMillis() < until && service.answered() < 4) {
            most = Math.max(most, service.environments().size());
            Thread.sleep(50);
        }
        assertThat(service.answered()).as(service.environments() + "\n" + String.join("\n", logs)).isEqualTo(4);
        assertThat(most).as("environments alive at once").isEqualTo(2);
        assertThat(failures).as("failed invocations").isEmpty();
        assertThat(service.environments().stream().mapToInt(LocalLambdaService.EnvironmentView::invocations).sum())
                .as("invocations served by the live environments").isEqualTo(4);
    }

    @Test
    void aSynchronousCallWithNoFreeEnvironment_isThrottled() {
        start(LocalLambdaService.Settings.defaults().withConcurrency(1), Map.of(), Duration.ofSeconds(30));
        service.invoke("fn", "{\"sleepMs\": 5000}", true);
        assertThatThrownBy(() -> lambda.invoke(b -> b.functionName("fn").payload(SdkBytes.fromUtf8String("{}"))))
                .isInstanceOf(TooManyRequestsException.class)
                .satisfies(e -> assertThat(((TooManyRequestsException) e).reasonAsString()).isEqualTo("ReservedFunctionConcurrentInvocationLimitExceeded"));
    }

    @Test
    void aFunctionErrorIsAnsweredAsLambdaDoes_andAnAsyncOneGoesToTheOnFailureDestination() throws Exception {
        start(LocalLambdaService.Settings.defaults(), Map.of(), Duration.ofSeconds(30));
        InvokeResponse r = lambda.invoke(b -> b.functionName("fn").payload(SdkBytes.fromUtf8String("{\"fail\": \"bad input\"}")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.functionError()).isEqualTo("Unhandled");
        JsonNode error = read(r.payload().asUtf8String());
        assertThat(error.path("errorMessage").asText()).isEqualTo("bad input");
        assertThat(error.path("errorType").asText()).isEqualTo("java.lang.IllegalArgumentException");

        LocalLambdaService.Invocation inv = service.invoke("fn", "{\"fail\": \"async bad\", \"job\": {\"id\": \"j1\"}}", true);
        inv.result().get(60, TimeUnit.SECONDS);
        awaitFailures(1);
        JsonNode record = read(failures.get(0));
        assertThat(record.path("requestContext").path("requestId").asText()).isEqualTo(inv.requestId());
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.path("requestContext").path("functionArn").asText()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST");
        assertThat(record.path("requestPayload").path("job").path("id").asText()).isEqualTo("j1");
        assertThat(record.path("responseContext").path("functionError").asText()).isEqualTo("Unhandled");
        assertThat(record.path("responsePayload").path("errorMessage").asText()).isEqualTo("async bad");
        assertThat(service.environments()).hasSize(1);
    }

    @Test
    void badRequestsGetLambdasErrors() {
        start(LocalLambdaService.Settings.defaults(), Map.of(), Duration.ofSeconds(30));
        assertThatThrownBy(() -> lambda.invoke(b -> b.functionName("nope").payload(SdkBytes.fromUtf8String("{}"))))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");
        assertThatThrownBy(() -> lambda.invoke(b -> b.functionName("fn:7").payload(SdkBytes.fromUtf8String("{}"))))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> lambda.invoke(b -> b.functionName("fn").payload(SdkBytes.fromUtf8String("{not json"))))
                .isInstanceOf(InvalidRequestContentException.class).hasMessageContaining("Could not parse request body into json");
        String big = "{\"x\": \"" + "a".repeat(LocalLambdaService.MAX_EVENT_PAYLOAD) + "\"}";
        assertThatThrownBy(() -> lambda.invoke(b -> b.functionName("fn").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String(big)))).isInstanceOf(RequestTooLargeException.class);
        InvokeResponse dry = lambda.invoke(b -> b.functionName("fn").invocationType(InvocationType.DRY_RUN));
        assertThat(dry.statusCode()).isEqualTo(204);
        assertThat(service.environments()).isEmpty();
    }

    @Test
    void anInvocationPastTheTimeout_killsItsEnvironment_andFailsSandboxTimedout() throws Exception {
        start(LocalLambdaService.Settings.defaults(), Map.of(), Duration.ofSeconds(2));
        LocalLambdaService.Invocation inv = service.invoke("fn", "{\"sleepMs\": 60000, \"job\": {\"id\": \"j2\"}}", true);
        LocalLambdaService.Result r = inv.result().get(60, TimeUnit.SECONDS);
        assertThat(r.failed()).isTrue();
        assertThat(read(r.payload()).path("errorType").asText()).isEqualTo("Sandbox.Timedout");
        assertThat(read(r.payload()).path("errorMessage").asText()).contains("Task timed out after 2.00 seconds");
        awaitFailures(1);
        assertThat(read(failures.get(0)).path("responsePayload").path("errorType").asText()).isEqualTo("Sandbox.Timedout");
        assertThat(service.environments()).isEmpty();
        // the next invocation gets a new environment
        assertThat(call("fn", "{}").path("served").asInt()).isEqualTo(1);
    }

    @Test
    void aRuntimeThatExitsMidInvocation_failsItWithRuntimeExitError() throws Exception {
        start(LocalLambdaService.Settings.defaults(), Map.of(), Duration.ofSeconds(30));
        LocalLambdaService.Result r = service.invoke("fn", "{\"exit\": 3}", false).result().get(60, TimeUnit.SECONDS);
        assertThat(read(r.payload()).path("errorType").asText()).isEqualTo("Runtime.ExitError");
        assertThat(read(r.payload()).path("errorMessage").asText()).contains("exit status 3");
        assertThat(service.environments()).isEmpty();
    }

    @Test
    void anEnvironmentInTheSandbox_outlivesTheThreadThatInvokedIt() throws Exception {
        LambdaSandbox sandbox = LambdaSandbox.detect();
        org.junit.jupiter.api.Assumptions.assumeTrue(sandbox.readOnlyRoot(), "bubblewrap cannot make a sandbox here");
        String cp = System.getProperty("java.class.path");
        service = LocalLambdaService.start(new LocalLambdaService.Runtime(cp, List.of(), Map.of(), () -> { },
                        java.util.Arrays.stream(cp.split(java.io.File.pathSeparator)).map(Path::of).toList()),
                LocalLambdaService.Settings.defaults(), dir, sandbox, logs::add, failures::add);
        service.register(new LocalLambdaService.Function("fn", 256, Duration.ofSeconds(30), HANDLER));
        // the first invocation starts the environment on the caller's thread, which then ends (as a pooled HTTP
        // thread does when it idles out): the sandbox's parent-death signal must not take the environment with it
        java.util.concurrent.atomic.AtomicReference<LocalLambdaService.Invocation> first = new java.util.concurrent.atomic.AtomicReference<>();
        Thread caller = new Thread(() -> first.set(service.invoke("fn", "{}", false)));
        caller.start();
        caller.join();
        String env = read(first.get().result().get(60, TimeUnit.SECONDS).payload()).path("environment").asText();
        Thread.sleep(1_500);
        String again = read(service.invoke("fn", "{}", false).result().get(60, TimeUnit.SECONDS).payload()).path("environment").asText();
        assertThat(again).isEqualTo(env);
        assertThat(logs).noneMatch(l -> l.contains("exited ("));
    }

    @Test
    void anIdleEnvironmentIsStopped() throws Exception {
        start(LocalLambdaService.Settings.defaults().withIdleTimeout(Duration.ofSeconds(1)), Map.of(), Duration.ofSeconds(30));
        call("fn", "{}");
        long until = System.currentTimeMillis() + 20_000;
        while (!service.environments().isEmpty() && System.currentTimeMillis() < until) {
            Thread.sleep(100);
        }
        assertThat(service.environments()).isEmpty();
        assertThat(logs).anyMatch(l -> l.contains("stopped: idle for 1 s"));
    }

    @Test
    void anIdleEnvironmentOfAnotherFunction_makesRoomAtTheLimit() {
        start(LocalLambdaService.Settings.defaults().withConcurrency(1), Map.of(), Duration.ofSeconds(30));
        call("fn", "{}");
        assertThat(call("other", "{}").path("function").asText()).isEqualTo("other");
        assertThat(service.environments()).singleElement().satisfies(e -> assertThat(e.function()).isEqualTo("other"));
    }

    @Test
    void anInitPastItsBudget_isRetriedWithTheInvocation() throws Exception {
        start(LocalLambdaService.Settings.defaults().withInitBudget(Duration.ofSeconds(1)), Map.of("TEST_INIT_SLEEP_MS", "2500"),
                Duration.ofSeconds(30));
        LocalLambdaService.Result r = service.invoke("fn", "{}", false).result().get(90, TimeUnit.SECONDS);
        assertThat(r.failed()).as(r.payload()).isFalse();
        assertThat(logs).anyMatch(l -> l.contains("INIT took longer than 1 s"));
        assertThat(logs).anyMatch(l -> l.contains("INIT (retried within the invocation)"));
    }

    @Test
    void environmentsStartOneInitAtATime_soThatEachFitsItsBudgetOnSharedCores() throws Exception {
        start(LocalLambdaService.Settings.defaults(), Map.of("TEST_INIT_SLEEP_MS", "1500"), Duration.ofSeconds(30));
        for (int i = 0; i < 3; i++) {
            service.invoke("fn", "{\"sleepMs\": 3000}", true);
        }
        long until = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < until && service.answered() < 3) {
            Thread.sleep(50);
        }
        assertThat(service.answered()).as(String.join("\n", logs)).isEqualTo(3);
        assertThat(failures).isEmpty();
        // from the service's log: each INIT ends before the next begins
        List<String> inits = logs.stream().filter(l -> l.matches("\\[fn] env-\\w+ INIT( done in \\d+ ms)?")).toList();
        assertThat(inits).as(String.join("\n", logs)).hasSize(4);
        for (int i = 0; i < inits.size(); i += 2) {
            assertThat(inits.get(i)).endsWith(" INIT");
            assertThat(inits.get(i + 1)).startsWith(inits.get(i) + " done in ");
        }
        assertThat(logs).noneMatch(l -> l.contains("INIT took longer"));
    }

    @Test
    void anInitError_failsTheInvocationWithTheRuntimesReport() throws Exception {
        start(LocalLambdaService.Settings.defaults(), Map.of("TEST_INIT_FAIL", "no config"), Duration.ofSeconds(30));
        LocalLambdaService.Result r = service.invoke("fn", "{}", false).result().get(60, TimeUnit.SECONDS);
        assertThat(r.failed()).isTrue();
        assertThat(r.payload()).contains("no config");
    }

    @Test
    void anEnvironmentThatCannotStart_failsTheInvocationWithTheReason() throws Exception {
        service = LocalLambdaService.start(new LocalLambdaService.Runtime(System.getProperty("java.class.path"), List.of(), Map.of(),
                () -> { throw new IllegalStateException("runner jar not found; build it with: mvn -DskipTests package"); }, List.of()),
                LocalLambdaService.Settings.defaults(), dir, LambdaSandbox.none(), logs::add, failures::add);
        service.register(new LocalLambdaService.Function("fn", 256, Duration.ofSeconds(30), HANDLER));
        LocalLambdaService.Result r = service.invoke("fn", "{}", true).result().get(30, TimeUnit.SECONDS);
        assertThat(r.failed()).isTrue();
        assertThat(r.payload()).contains("runner jar not found; build it with");
        awaitFailures(1);
        assertThat(service.environments()).isEmpty();
    }

    private void awaitFailures(int n) throws InterruptedException {
        long until = System.currentTimeMillis() + 10_000;
        while (failures.size() < n && System.currentTimeMillis() < until) {
            Thread.sleep(50);
        }
        assertThat(failures).hasSize(n);
    }
}

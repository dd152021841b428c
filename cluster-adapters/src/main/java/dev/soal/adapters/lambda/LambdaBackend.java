package dev.soal.adapters.lambda;

import dev.soal.adapters.aws.AwsErrors;
import dev.soal.core.Prices;
import dev.soal.adapters.aws.Resilience;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.SubmitOutcome;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The small path in AWS: an asynchronous Invoke ({@code InvocationType=Event}, answered 202) of the
 * Spark runtime function with {@code {"job": <record>}} as the payload. The runtime's reports in the
 * job store are the status; a job with no report past the function timeout is TIMED_OUT.
 *
 * <p>Memory per job: one function per memory tier of the policy, named by {@code functionNameTemplate}
 * with {@code {memoryMb}} replaced ({@code soal-runtime-{memoryMb}} gives {@code soal-runtime-4096}).
 * Lambda fixes memory per function (an alias cannot change it), so one function per size is the only
 * way to choose it per job.
 *
 * <p>Only throttling (429 TooManyRequestsException) is retried: after a 5xx the event may have been
 * queued, so the job is failed instead, and a runtime that receives it later finds it terminal and
 * does not run it. Lambda has no cancel API: cancelling marks the job CANCELLING and the runtime, which
 * watches for that, stops at the next check.
 */
public final class LambdaBackend implements JobBackend {
    static final String NAME = "lambda";

    /**
     * @param functionNameTemplate function name (or ARN) with {@code {memoryMb}} in it
     * @param functionTimeout      the functions' timeout (at most 900 s)
     * @param grace                extra time before a silent job is declared TIMED_OUT, or a submit nobody
     *                             claimed is made again
     * @param maxEventAge          the functions' maximum event age (60 s to 6 h): how long Lambda keeps an
     *                             accepted event queued (throttled, or waiting for concurrency) before it gives
     *                             up on it and sends it to the on-failure destination (EventAgeExceeded)
     * @param qualifier            the alias (or version) to invoke, where provisioned environments are kept; null for
     *                             {@code $LATEST}
     */
    public record Config(String functionNameTemplate, Duration functionTimeout, Duration grace, Duration maxEventAge,
                         String qualifier) {
        public static final Duration MAX_TIMEOUT = Duration.ofSeconds(900);
        /**
         * Lambda's own default is 6 h; 15 minutes is what the stack sets (and tells the router in
         * SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS): a small job that waited that long is better refused. The default
         * of the 3-argument form, for the embedded stack's local Lambda service.
         */
        public static final Duration DEFAULT_MAX_EVENT_AGE = Duration.ofMinutes(15);
        public static final Duration MIN_EVENT_AGE = Duration.ofSeconds(60);
        public static final Duration MAX_EVENT_AGE = Duration.ofHours(6);

        public Config(String functionNameTemplate, Duration functionTimeout, Duration grace) {
            this(functionNameTemplate, functionTimeout, grace, DEFAULT_MAX_EVENT_AGE);
        }

        public Config(String functionNameTemplate, Duration functionTimeout, Duration grace, Duration maxEventAge) {
            this(functionNameTemplate, functionTimeout, grace, maxEventAge, null);
        }

        public Config {
            if (maxEventAge == null || maxEventAge.compareTo(MIN_EVENT_AGE) < 0 || maxEventAge.compareTo(MAX_EVENT_AGE) > 0) {
                throw new IllegalArgumentException("maxEventAge must be within 60 s..6 h (Lambda's limits), but was " + maxEventAge);
            }
            if (functionNameTemplate == null || !functionNameTemplate.contains("{memoryMb}")) {
                throw new IllegalArgumentException("functionNameTemplate must contain {memoryMb}, but was '"
                        + functionNameTemplate + "'");
            }
            if (functionTimeout.isNegative() || functionTimeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("functionTimeout must be within 0..900 s, but was " + functionTimeout);
            }
        }

        public String functionFor(int memoryMb) {
            return functionNameTemplate.replace("{memoryMb}", String.valueOf(memoryMb));
        }
    }

    private final LambdaClient lambda;
    private final Config config;
    private final Resilience resilience;
    private final Clock clock;

    public LambdaBackend(LambdaClient lambda, Config config, Resilience resilience, Clock clock) {
        this.lambda = lambda;
        this.config = config;
        this.resilience = resilience;
        this.clock = clock;
    }

    @Override
    public Backend kind() {
        return Backend.LAMBDA;
    }

    @Override
    public boolean runtimeReportsProgress() {
        return true;
    }

    /**
     * An event Lambda accepted runs within its maximum age, or goes to the on-failure destination (which ends
     * the job): a submit still unclaimed past that, and a grace, was lost and is made again.
     */
    @Override
    public Duration startLease() {
        return config.maxEventAge().plus(config.grace());
    }

    @Override
    public SubmitOutcome submit(JobRecord job) {
        String function = config.functionFor(job.decision().lambdaMemoryMb());
        SdkBytes payload = SdkBytes.fromUtf8String(Json.write(Map.of("job", job)));
        try {
            InvokeResponse r = resilience.callRetryingThrottlesOnly(NAME, () -> lambda.invoke(b -> b.functionName(function)
                    .qualifier(config.qualifier()).invocationType(InvocationType.EVENT).payload(payload)));
            if (r.statusCode() != 202) {
                return new SubmitOutcome.Rejected("Invoke answered " + r.statusCode() + " instead of 202"
                        + (r.functionError() == null ? "" : " (" + r.functionError() + ")"));
            }
            return new SubmitOutcome.Accepted(function + "/" + r.responseMetadata().requestId(), "INVOKED");
        } catch (CallNotPermittedException e) {
            return new SubmitOutcome.Throttled(resilience.settings().openFor(), "lambda circuit breaker is open");
        } catch (RuntimeException e) {
            return switch (AwsErrors.kind(e)) {
                case THROTTLED -> new SubmitOutcome.Throttled(AwsErrors.retryAfter(e).orElse(Duration.ofSeconds(1)),
                        AwsErrors.code(e) + ": " + AwsErrors.message(e));
                case CLIENT, AMBIGUOUS -> new SubmitOutcome.Rejected(AwsErrors.code(e) + ": " + AwsErrors.message(e)
                        + " [function=" + function + "]");
            };
        }
    }

    /**
     * The store holds the runtime's reports; this only adds what the runtime cannot say: that a run it claimed
     * never reported within the function timeout (Lambda stopped it), and the cost. A job no runtime has
     * claimed yet is waiting in Lambda's queue: its start lease ({@link #startLease}) and the on-failure
     * destination decide its fate, not the time since it was recorded.
     */
    @Override
    public BackendStatus status(JobRecord job) {
        if (job.state().isTerminal()) {
            return new BackendStatus(job.state(), job.nativeState(), job.message(),
                    job.durationMillis() == null ? null : Prices.lambda(job.decision().lambdaMemoryMb(), job.durationMillis()));
        }
        if (job.attempt() == null) {
            return new BackendStatus(job.state(), job.nativeState(), job.message());
        }
        Duration silent = Duration.between(job.enteredStateAt(), clock.instant());
        if (silent.compareTo(config.functionTimeout().plus(config.grace())) > 0) {
            return new BackendStatus(JobState.TIMED_OUT, "NO_REPORT", "no report from the runtime for "
                    + silent.toSeconds() + " s, past the function timeout of " + config.functionTimeout().toSeconds() + " s");
        }
        return new BackendStatus(job.state(), job.nativeState(), job.message());
    }

    /** Cooperative: the job is CANCELLING in the store and the runtime watches for it. */
    @Override
    public void cancel(JobRecord job) {
        // nothing to call: Lambda cannot stop an invocation
    }
}

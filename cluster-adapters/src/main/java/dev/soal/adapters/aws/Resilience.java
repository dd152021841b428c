package dev.soal.adapters.aws;

import dev.soal.core.Deadline;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One retry and one circuit breaker per backend, bound to Micrometer: the only retry layer of a backend call
 * (the SDK's own retries are off, and the router calls once). Retries use exponential backoff with jitter (or
 * the service's {@code Retry-After}, whichever is longer, capped), and stop when the wait and one more attempt
 * would pass the request's {@link Deadline}. Only throttling and server-side failures count against the breaker
 * and are retried; a bad request fails at once.
 *
 * <pre>{@code
 * Resilience r = new Resilience(Resilience.Settings.ofDefaults(), meterRegistry);
 * StartJobRunResponse res = r.call("emr-serverless", () -> emr.startJobRun(req));
 * }</pre>
 */
public final class Resilience {

    /**
     * @param maxAttempts     attempts per call, the first included
     * @param initialBackoff  the first wait; each next one is {@code multiplier} times longer, +-50% jitter
     * @param maxBackoff      no wait is longer than this, Retry-After included
     * @param failureRate     percent of failed calls (in the last {@code window}) that opens the breaker
     * @param openFor         how long an open breaker refuses calls before letting a few through
     */
    public record Settings(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
                           float failureRate, int window, Duration openFor) {
        public static Settings ofDefaults() {
            return new Settings(5, Duration.ofMillis(200), 2.0, Duration.ofSeconds(20), 50f, 20, Duration.ofSeconds(30));
        }
    }

    /** What one more attempt may take: the clients' attempt timeout. No attempt starts with less left. */
    public static final Duration ATTEMPT_RESERVE = AwsClients.DEFAULT_ATTEMPT_TIMEOUT;

    private final Settings settings;
    private final RetryRegistry retries;
    private final RetryRegistry throttleRetries;
    private final CircuitBreakerRegistry breakers;
    private final MeterRegistry meters;

    public Resilience(Settings settings, MeterRegistry meters) {
        this.settings = settings;
        Predicate<Throwable> serviceTrouble = t -> AwsErrors.kind(t) != AwsErrors.Kind.CLIENT;
        IntervalFunction backoff = IntervalFunction.ofExponentialRandomBackoff(settings.initialBackoff(),
                settings.multiplier(), 0.5, settings.maxBackoff());
        IntervalBiFunction<Object> interval = (attempt, either) -> {
            long wait = backoff.apply(attempt);
            if (either.isLeft()) {
                long after = AwsErrors.retryAfter(either.getLeft()).map(Duration::toMillis).orElse(0L);
                wait = Math.min(Math.max(wait, after), settings.maxBackoff().toMillis());
                // no wait and attempt the request's deadline cannot hold: the last failure is the answer
                if (!Deadline.current().allows(Duration.ofMillis(wait), ATTEMPT_RESERVE)) {
                    throw either.getLeft() instanceof RuntimeException e ? e : new IllegalStateException(either.getLeft());
                }
            }
            return wait;
        };
        this.retries = RetryRegistry.of(RetryConfig.custom()
                .maxAttempts(settings.maxAttempts())
                .intervalBiFunction(interval)
                .retryOnException(serviceTrouble)
                .failAfterMaxAttempts(false)
                .build());
        this.throttleRetries = RetryRegistry.of(RetryConfig.from(retries.getDefaultConfig())
                .retryOnException(t -> AwsErrors.kind(t) == AwsErrors.Kind.THROTTLED)
                .build());
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRate())
                .slidingWindowSize(settings.window())
                .minimumNumberOfCalls(settings.window())
                .waitDurationInOpenState(settings.openFor())
                .recordException(serviceTrouble)
                .build());
        this.meters = meters;
        if (meters != null) {
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meters);
            TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(meters);
        }
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Runs {@code call} through the backend's breaker and retry. Throws the last failure, or
     * {@link CallNotPermittedException} when the breaker is open (nothing was called).
     */
    public <T> T call(String backend, Supplier<T> call) {
        return call(backend, call, retries.retry(backend));
    }

    /**
     * Like {@link #call}, but retries only throttling: for calls that must not be repeated after an
     * ambiguous failure (an asynchronous Lambda Invoke may have queued the event).
     */
    public <T> T callRetryingThrottlesOnly(String backend, Supplier<T> call) {
        return call(backend, call, throttleRetries.retry(backend));
    }

    private <T> T call(String backend, Supplier<T> call, Retry retry) {
        CircuitBreaker breaker = breakers.circuitBreaker(backend);
        Supplier<T> counted = () -> {
            try {
                return call.get();
            } catch (RuntimeException e) {
                if (meters != null) {
                    meters.counter("soal.backend.errors", "backend", backend, "code", AwsErrors.code(e)).increment();
                }
                throw e;
            }
        };
        return Retry.decorateSupplier(retry, CircuitBreaker.decorateSupplier(breaker, counted)).get();
    }
}

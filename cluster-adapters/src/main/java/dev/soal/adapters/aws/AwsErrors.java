package dev.soal.adapters.aws;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * How SoAL reads an AWS control-plane error: the error code (from {@code x-amzn-ErrorType} in rest-json,
 * {@code __type} in awsJson1_1, as the SDK parses them) and what it means for a retry.
 */
public final class AwsErrors {
    /** Codes that mean "too many requests now": nothing was started, try again later. */
    static final Set<String> THROTTLING = Set.of("ThrottlingException", "Throttling", "TooManyRequestsException",
            "RequestLimitExceeded", "ConcurrentRunsExceededException", "ServiceQuotaExceededException",
            "ResourceNumberLimitExceededException", "EC2ThrottledException");

    private AwsErrors() {
    }

    /** What a failed call means. */
    public enum Kind {
        /** Refused before doing anything (throttled, over a quota): retry later, nothing was started. */
        THROTTLED,
        /** The service failed or did not answer in time: the call may or may not have taken effect. */
        AMBIGUOUS,
        /** The request is wrong (validation, not found, permissions): retrying will not help. */
        CLIENT
    }

    public static Kind kind(Throwable t) {
        if (t instanceof AwsServiceException e) {
            if (THROTTLING.contains(code(e)) || e.statusCode() == 429) {
                return Kind.THROTTLED;
            }
            return e.statusCode() >= 500 || e.isThrottlingException() ? Kind.AMBIGUOUS : Kind.CLIENT;
        }
        if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException
                || t instanceof SdkClientException) {
            return Kind.AMBIGUOUS;
        }
        return Kind.CLIENT;
    }

    public static String code(Throwable t) {
        if (t instanceof AwsServiceException e && e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null) {
            return e.awsErrorDetails().errorCode();
        }
        if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
            return "Timeout";
        }
        return t.getClass().getSimpleName();
    }

    /** The service's own message, or the exception's. */
    public static String message(Throwable t) {
        if (t instanceof AwsServiceException e && e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null) {
            return e.awsErrorDetails().errorMessage();
        }
        return t.getMessage();
    }

    /** The {@code Retry-After} the service sent (seconds), if any. */
    public static Optional<Duration> retryAfter(Throwable t) {
        if (t instanceof AwsServiceException e && e.awsErrorDetails() != null && e.awsErrorDetails().sdkHttpResponse() != null) {
            return e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Retry-After").flatMap(v -> {
                try {
                    return Optional.of(Duration.ofSeconds(Long.parseLong(v.trim())));
                } catch (NumberFormatException ex) {
                    return Optional.empty();
                }
            });
        }
        return Optional.empty();
    }
}

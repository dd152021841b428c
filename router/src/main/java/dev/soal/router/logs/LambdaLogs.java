package dev.soal.router.logs;

import dev.soal.adapters.aws.CloudWatchLogsReader;
import dev.soal.core.JobRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * A Lambda attempt's lines in CloudWatch Logs: the runtime function's log group ({@code /aws/lambda/<function>} of
 * the attempt's memory tier), the attempt's log stream (its environment), between the job's creation and the
 * attempt's end, cut from {@code START} to {@code END} of its request id ({@link JobLogs#invocation}).
 */
public final class LambdaLogs implements JobLogs.Source {
    /** Log events arrive with a delay and clocks differ: read this far beyond the attempt's times. */
    static final Duration SLACK = Duration.ofMinutes(2);
    /** The most events read for one attempt (an invocation's START to END). */
    static final int MAX_EVENTS = 50_000;

    private final CloudWatchLogsReader logs;
    private final IntFunction<String> functionName;

    /** @param functionName the runtime function's name (or ARN) of a memory tier */
    public LambdaLogs(CloudWatchLogsReader logs, IntFunction<String> functionName) {
        this.logs = logs;
        this.functionName = functionName;
    }

    /** The log group of a function named by name or by ARN ({@code arn:...:function:name[:qualifier]}). */
    static String logGroup(String function) {
        String name = function;
        int at = function.indexOf(":function:");
        if (function.startsWith("arn:") && at >= 0) {
            name = function.substring(at + ":function:".length());
            int qualifier = name.indexOf(':');
            name = qualifier < 0 ? name : name.substring(0, qualifier);
        }
        return "/aws/lambda/" + name;
    }

    @Override
    public Optional<JobLogs.Excerpt> read(JobRecord job, JobLogs.Attempt attempt, int maxLines) {
        if (attempt.environmentId() == null || attempt.requestId() == null) {
            return Optional.empty();
        }
        String group = logGroup(functionName.apply(attempt.memoryMb()));
        Instant until = attempt.until() == null ? null : attempt.until().plus(SLACK);
        List<String> lines = JobLogs.invocation(lines(logs.events(CloudWatchLogsReader.Filter.stream(group,
                attempt.environmentId(), attempt.since().minus(SLACK), until), MAX_EVENTS)), attempt.requestId());
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(JobLogs.last("lambda", "CloudWatch Logs " + group + ", log stream " + attempt.environmentId()
                + ", RequestId " + attempt.requestId(), lines, maxLines));
    }

    /** The events' messages as lines (a message may hold several, and ends with its newline). */
    static List<String> lines(List<CloudWatchLogsReader.Event> events) {
        return events.stream().flatMap(e -> e.message().lines()).toList();
    }
}

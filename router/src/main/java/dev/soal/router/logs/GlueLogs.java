package dev.soal.router.logs;

import dev.soal.adapters.aws.CloudWatchLogsReader;
import dev.soal.core.JobRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Glue run's driver lines in CloudWatch Logs: Glue 5 writes the script's stdout and stderr to
 * {@code /aws-glue/jobs/output} and Spark's and the system's log to {@code /aws-glue/jobs/error}, in streams named
 * after the job run id (the driver's {@code <runId>} or {@code <runId>-driver}, each executor's after it). Both groups
 * are read; the driver's streams are kept when there are any.
 */
public final class GlueLogs implements JobLogs.Source {
    static final List<String> GROUPS = List.of("/aws-glue/jobs/output", "/aws-glue/jobs/error");

    private final CloudWatchLogsReader logs;

    public GlueLogs(CloudWatchLogsReader logs) {
        this.logs = logs;
    }

    @Override
    public Optional<JobLogs.Excerpt> read(JobRecord job, JobLogs.Attempt attempt, int maxLines) {
        String run = attempt.attemptId();
        if (run == null) {
            return Optional.empty();
        }
        Instant until = attempt.until() == null ? null : attempt.until().plus(LambdaLogs.SLACK);
        List<String> lines = new ArrayList<>();
        List<String> read = new ArrayList<>();
        for (String group : GROUPS) {
            List<CloudWatchLogsReader.Event> events = logs.events(CloudWatchLogsReader.Filter.streamsStartingWith(group, run,
                    attempt.since().minus(LambdaLogs.SLACK), until), LambdaLogs.MAX_EVENTS);
            List<CloudWatchLogsReader.Event> driver = events.stream()
                    .filter(e -> run.equals(e.stream()) || (run + "-driver").equals(e.stream())).toList();
            List<CloudWatchLogsReader.Event> shown = driver.isEmpty() ? events : driver;
            if (!shown.isEmpty()) {
                read.add(group);
                lines.add("== " + group + " ==");
                lines.addAll(LambdaLogs.lines(shown));
            }
        }
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(JobLogs.last("glue", "CloudWatch Logs " + String.join(" and ", read) + ", log streams of job run "
                + run, lines, maxLines));
    }
}

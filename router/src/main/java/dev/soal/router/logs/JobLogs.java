package dev.soal.router.logs;

import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.SpilledAttempt;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job's logs, wherever its runs left them: one {@link Excerpt} per attempt (a job that spilled over has its Lambda
 * attempt's and its cluster run's), read by the {@link Source} of the attempt's backend. A backend this router has no
 * source for says where its logs are instead.
 *
 * <pre>{@code
 * JobLogs logs = new JobLogs(Map.of(Backend.LAMBDA, lambdaLogs, Backend.STANDALONE, driverLogs));
 * for (JobLogs.Excerpt e : logs.read(job, 500)) { ... }
 * }</pre>
 */
public final class JobLogs {
    /** The most lines one excerpt holds (its last ones). */
    public static final int MAX_LINES = 2_000;

    /**
     * One attempt's log: the backend and where the lines come from, the lines (the last {@code maxLines}), whether
     * earlier ones were left out, and a note when there are none to show (and why).
     */
    public record Excerpt(String backend, String where, List<String> lines, boolean truncated, String note) {
        public Excerpt {
            lines = List.copyOf(lines);
        }
    }

    /**
     * One run of a job as its logs are found: where it ran (on Lambda, at which memory tier), the attempt id (on Lambda,
     * the invocation's request id first, then {@code /} and a nonce), the execution environment (on Lambda, its log
     * stream), null when unknown, and between which times it ran ({@code until} null while it runs).
     */
    public record Attempt(Backend backend, int memoryMb, String attemptId, String environmentId, Instant since, Instant until) {
        /** Lambda's request id of the invocation, or null. */
        public String requestId() {
            if (attemptId == null) {
                return null;
            }
            int slash = attemptId.indexOf('/');
            return slash < 0 ? attemptId : attemptId.substring(0, slash);
        }
    }

    /** Reads one backend's logs of an attempt; empty when it has none (yet). */
    public interface Source {
        Optional<Excerpt> read(JobRecord job, Attempt attempt, int maxLines);
    }

    private final Map<Backend, Source> sources;

    public JobLogs(Map<Backend, Source> sources) {
        this.sources = Map.copyOf(sources);
    }

    /** No sources: every excerpt says where its logs are kept. */
    public static JobLogs none() {
        return new JobLogs(Map.of());
    }

    /** The job's attempts, the earliest first: a spilled-over Lambda attempt, then the run on the job's backend. */
    public static List<Attempt> attempts(JobRecord job) {
        List<Attempt> out = new ArrayList<>();
        SpilledAttempt s = job.spilledFrom();
        if (s != null) {
            out.add(new Attempt(s.backend(), s.memoryMb(), s.attempt(), s.environment() == null ? null : s.environment().id(),
                    job.createdAt(), s.at()));
        }
        Backend b = job.decision().backend();
        // on Lambda the runtime's attempt (the request id first); on a cluster the backend's run id
        String attempt = b == Backend.LAMBDA ? (job.attempt() == null ? null : job.attempt().owner()) : job.backendHandle();
        out.add(new Attempt(b, job.decision().lambdaMemoryMb(), attempt, job.environment() == null ? null : job.environment().id(),
                s != null ? s.at() : job.createdAt(), job.state().isTerminal() ? job.updatedAt() : null));
        return out;
    }

    /** Every attempt's excerpt, at most {@code maxLines} lines each (1..{@link #MAX_LINES}). */
    public List<Excerpt> read(JobRecord job, int maxLines) {
        if (maxLines < 1 || maxLines > MAX_LINES) {
            throw new IllegalArgumentException("lines must be within 1.." + MAX_LINES + ", but was " + maxLines);
        }
        List<Excerpt> out = new ArrayList<>();
        for (Attempt a : attempts(job)) {
            Source source = sources.get(a.backend());
            if (source == null) {
                out.add(new Excerpt(a.backend().id(), where(a), List.of(), false, "this router does not read "
                        + a.backend().id() + " logs yet; they are " + where(a)));
                continue;
            }
            Optional<Excerpt> read;
            try {
                read = source.read(job, a, maxLines);
            } catch (RuntimeException e) {
                // one attempt's logs out of reach (throttled, not allowed) leaves the others readable
                out.add(new Excerpt(a.backend().id(), where(a), List.of(), false, "its logs could not be read: " + e.getMessage()));
                continue;
            }
            out.add(read.orElseGet(() -> new Excerpt(a.backend().id(), where(a), List.of(), false,
                    a.attemptId() == null ? "the job has not started running" : "no log lines found (yet)")));
        }
        return out;
    }

    /** Where a backend keeps an attempt's logs, in words, for a router that cannot read them. */
    static String where(Attempt a) {
        return switch (a.backend()) {
            case LAMBDA -> "in CloudWatch Logs, the runtime function's log group, log stream "
                    + (a.environmentId() == null ? "(not known yet)" : a.environmentId())
                    + (a.requestId() == null ? "" : ", between START and END of RequestId " + a.requestId());
            case EMR_SERVERLESS -> "under the EMR Serverless application's log location (job run "
                    + (a.attemptId() == null ? "not started" : a.attemptId()) + ", SPARK_DRIVER/stdout.gz and stderr.gz)";
            case GLUE -> "in CloudWatch Logs, /aws-glue/jobs/output and /aws-glue/jobs/error, log stream of job run "
                    + (a.attemptId() == null ? "(not started)" : a.attemptId());
            case STANDALONE -> "in the embedded cluster's driver log";
        };
    }

    /**
     * The lines of one Lambda invocation in an environment's log: from {@code START RequestId: <id>} to its {@code END}
     * (or the end of the log while it runs), as Lambda writes both into the log stream.
     */
    public static List<String> invocation(List<String> log, String requestId) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String line : log) {
            if (names(line, "START RequestId: ", requestId)) {
                in = true;
                out.clear(); // a retry of the same request in this environment: its last run
            }
            if (in) {
                out.add(line);
            }
            if (in && names(line, "END RequestId: ", requestId)) {
                in = false;
            }
        }
        return out;
    }

    /** {@code line} is {@code marker} with this request id, not one that merely begins with it. */
    private static boolean names(String line, String marker, String requestId) {
        String m = marker + requestId;
        return line.startsWith(m) && (line.length() == m.length() || Character.isWhitespace(line.charAt(m.length())));
    }

    /** The last {@code max} of {@code lines}, as an excerpt. */
    public static Excerpt last(String backend, String where, List<String> lines, int max) {
        boolean cut = lines.size() > max;
        return new Excerpt(backend, where, cut ? lines.subList(lines.size() - max, lines.size()) : lines, cut, null);
    }
}

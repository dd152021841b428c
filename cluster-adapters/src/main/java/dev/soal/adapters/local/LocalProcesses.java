package dev.soal.adapters.local;

import dev.soal.core.BackendStatus;
import dev.soal.core.JobState;
import dev.soal.core.SoalException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Job runs as local processes (the embedded Lambda JVM, spark-submit): started with a log file, watched
 * for exit and for a timeout, and killed with their children on cancel. Standard output lines go to a
 * sink (the CLI shows them) and to the log; standard error goes to the log only.
 */
public final class LocalProcesses {
    private static final int TAIL_LINES = 12;

    private final Clock clock;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();

    public LocalProcesses(Clock clock) {
        this.clock = clock;
    }

    /** One run of a job. */
    public record Run(Process process, Path log, Instant started, Duration timeout, AtomicBoolean cancelled) {
    }

    public Run start(String jobId, List<String> command, Map<String, String> env, Path log, Duration timeout,
                     Consumer<String> stdout) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            Run run = new Run(p, log, clock.instant(), timeout, new AtomicBoolean());
            runs.put(jobId, run);
            Thread pump = new Thread(() -> pump(p.getInputStream(), log, stdout), "soal-out-" + jobId);
            pump.setDaemon(true);
            pump.start();
            return run;
        } catch (IOException e) {
            throw new SoalException("cannot start " + command.get(0) + " for job " + jobId + ": " + e.getMessage(), e, false);
        }
    }

    /** Copies a process's output, line by line, to {@code lines} and to {@code log}, until it ends. */
    public static void pump(java.io.InputStream output, Path log, Consumer<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8));
             Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.accept(line);
                w.write(line);
                w.write('\n');
                w.flush();
            }
        } catch (IOException e) {
            // the process went away; its exit code tells the rest
        }
    }

    public Optional<Run> get(String jobId) {
        return Optional.ofNullable(runs.get(jobId));
    }

    /** True while this router has a live process for the job. */
    public boolean alive(String jobId) {
        Run run = runs.get(jobId);
        return run != null && run.process().isAlive();
    }

    /**
     * The run's state: the job's own state when this router has no process for it (another router
     * started it; the runtime reports and renews its lease), RUNNING while alive (TIMED_OUT once past its timeout, and then killed),
     * SUCCEEDED for exit 0, FAILED otherwise with the last lines of its log; CANCELLED when cancelled.
     */
    public BackendStatus status(dev.soal.core.JobRecord job, String processName) {
        Run run = runs.get(job.id());
        if (run == null) {
            // started by another router (or by this one before a restart): the runtime's reports and lease tell
            return new BackendStatus(job.state(), "ELSEWHERE",
                    "no " + processName + " for this job in this router; its runtime's reports tell its state");
        }
        Process p = run.process();
        if (p.isAlive()) {
            if (Duration.between(run.started(), clock.instant()).compareTo(run.timeout()) > 0) {
                kill(p);
                return new BackendStatus(JobState.TIMED_OUT, "TIMEOUT",
                        processName + " ran past its timeout of " + run.timeout().toSeconds() + " s and was stopped");
            }
            return new BackendStatus(JobState.RUNNING, "ALIVE", processName + " pid " + p.pid());
        }
        if (run.cancelled().get()) {
            return new BackendStatus(JobState.CANCELLED, "KILLED", processName + " stopped on request");
        }
        int code = p.exitValue();
        if (code == 0) {
            return new BackendStatus(JobState.SUCCEEDED, "EXIT_0", processName + " exited with code 0");
        }
        return new BackendStatus(JobState.FAILED, "EXIT_" + code, processName + " exited with code " + code
                + "; last lines of " + run.log() + ":\n" + String.join("\n", lastLines(run.log())));
    }

    public void cancel(String jobId) {
        Run run = runs.get(jobId);
        if (run != null && run.process().isAlive()) {
            run.cancelled().set(true);
            kill(run.process());
        }
    }

    /** Stops a process and its children: politely, then after 10 s by force. */
    public static void kill(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                children.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static List<String> lastLines(Path log) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - TAIL_LINES), all.size());
        } catch (IOException e) {
            return List.of("(log unreadable: " + e.getMessage() + ")");
        }
    }
}

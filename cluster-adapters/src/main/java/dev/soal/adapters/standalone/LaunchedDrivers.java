package dev.soal.adapters.standalone;

import dev.soal.core.BackendStatus;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.SoalException;
import org.apache.spark.launcher.SparkAppHandle;
import org.apache.spark.launcher.SparkLauncher;

import java.io.IOException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The standalone cluster's drivers as this router started them, through Spark's launcher
 * ({@link SparkLauncher#startApplication}), each followed by its {@link SparkAppHandle}: the driver reports its
 * state to the handle (SUBMITTED, RUNNING, FINISHED ...), and the handle marks it FAILED when the process exits
 * non-zero and LOST when it exits without a word. The driver's standard output goes to a sink (the CLI shows it)
 * and to its log; standard error to the log only.
 */
final class LaunchedDrivers {
    private static final int TAIL_LINES = 12;

    /**
     * How long after its process is gone a driver's state is taken as its last: the handle turns a FINISHED that
     * the driver reported as its SparkContext stopped into FAILED when the process then exits non-zero.
     */
    static final Duration SETTLE = Duration.ofMillis(500);

    /**
     * One driver: its handle, log, pid file, start, timeout; {@code lines} keeps the logger (and so its handler)
     * alive; {@code goneAt} is when its process was first seen gone.
     */
    record Driver(SparkAppHandle handle, Path log, Path pidFile, Instant started, Duration timeout, AtomicBoolean cancelled,
                  Logger lines, java.util.concurrent.atomic.AtomicReference<Instant> goneAt) {
    }

    private final Clock clock;
    private final Map<String, Driver> drivers = new ConcurrentHashMap<>();

    LaunchedDrivers(Clock clock) {
        this.clock = clock;
    }

    /** Starts the driver; {@code launcher}'s environment must hold {@code SOAL_DRIVER_PID_FILE} = {@code pidFile}. */
    Driver start(String jobId, SparkLauncher launcher, Path log, Path pidFile, Duration timeout, Consumer<String> stdout) {
        try {
            Files.createDirectories(log.getParent());
            Files.deleteIfExists(pidFile);
            Logger lines = Logger.getLogger("soal.standalone.driver." + jobId);
            lines.setUseParentHandlers(false);
            for (Handler h : lines.getHandlers()) {
                lines.removeHandler(h);
            }
            lines.addHandler(new LineSink(log, stdout));
            launcher.redirectToLog(lines.getName()).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            SparkAppHandle handle = launcher.startApplication();
            Driver d = new Driver(handle, log, pidFile, clock.instant(), timeout, new AtomicBoolean(), lines,
                    new java.util.concurrent.atomic.AtomicReference<>());
            drivers.put(jobId, d);
            return d;
        } catch (IOException e) {
            throw new SoalException("cannot start the spark-submit driver for job " + jobId + ": " + e.getMessage(), e, false);
        }
    }

    /** True while this router has a driver for the job that has not ended. */
    boolean alive(String jobId) {
        Driver d = drivers.get(jobId);
        return d != null && !d.handle().getState().isFinal();
    }

    /**
     * The driver's state: the job's own when this router has no driver for it (another router started it; the
     * runner reports and renews its lease), RUNNING until the handle says it ended (TIMED_OUT once past its timeout,
     * and then killed), SUCCEEDED for FINISHED, CANCELLED after our cancel, FAILED otherwise with the end of its log.
     */
    BackendStatus status(JobRecord job) {
        Driver d = drivers.get(job.id());
        if (d == null) {
            return new BackendStatus(job.state(), "ELSEWHERE",
                    "no spark-submit driver for this job in this router; its runtime's reports tell its state");
        }
        SparkAppHandle.State state = d.handle().getState();
        if (state.isFinal() && !settled(d)) {
            return new BackendStatus(JobState.RUNNING, "ENDING", "spark-submit driver " + state.name() + ", its process ending");
        }
        if (!state.isFinal()) {
            if (Duration.between(d.started(), clock.instant()).compareTo(d.timeout()) > 0) {
                d.handle().kill();
                return new BackendStatus(JobState.TIMED_OUT, "TIMEOUT",
                        "spark-submit driver ran past its timeout of " + d.timeout().toSeconds() + " s and was stopped");
            }
            String app = d.handle().getAppId() == null ? "" : " " + d.handle().getAppId();
            return new BackendStatus(JobState.RUNNING, state.name(), "spark-submit driver" + app + " " + state.name());
        }
        if (d.cancelled().get()) {
            return new BackendStatus(JobState.CANCELLED, "KILLED", "spark-submit driver stopped on request");
        }
        if (state == SparkAppHandle.State.FINISHED) {
            return new BackendStatus(JobState.SUCCEEDED, "FINISHED", "spark-submit driver finished");
        }
        String why = state == SparkAppHandle.State.LOST ? "ended without telling its state" : "ended " + state.name();
        return new BackendStatus(JobState.FAILED, state.name(), "spark-submit driver " + why
                + "; last lines of " + d.log() + ":\n" + String.join("\n", lastLines(d.log())));
    }

    void cancel(String jobId) {
        Driver d = drivers.get(jobId);
        if (d != null && !d.handle().getState().isFinal()) {
            d.cancelled().set(true);
            d.handle().kill();
        }
    }

    /** True once the driver's process has been gone for {@link #SETTLE}. */
    private boolean settled(Driver d) {
        if (processAlive(d.pidFile())) {
            return false;
        }
        Instant now = clock.instant();
        Instant gone = d.goneAt().updateAndGet(g -> g == null ? now : g);
        return Duration.between(gone, now).compareTo(SETTLE) >= 0;
    }

    private static boolean processAlive(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false; // never written: the launcher failed before there was a driver
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

    /** The driver's standard output, one line per record (as Spark's launcher logs it): to the sink and the log. */
    private static final class LineSink extends Handler {
        private final Path log;
        private final Consumer<String> stdout;

        LineSink(Path log, Consumer<String> stdout) {
            this.log = log;
            this.stdout = stdout;
        }

        @Override
        public synchronized void publish(LogRecord r) {
            String line = r.getMessage();
            if (line == null) {
                return;
            }
            stdout.accept(line);
            try (Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                w.write(line);
                w.write('\n');
            } catch (IOException e) {
                // the log is a copy; the sink has the line
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}

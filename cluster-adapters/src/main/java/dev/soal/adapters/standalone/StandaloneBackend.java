package dev.soal.adapters.standalone;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.TableSettings;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.RunnerArgs;
import dev.soal.core.SubmitOutcome;

import org.apache.spark.launcher.SparkLauncher;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The large path on the embedded stack: the runner jar submitted to a {@link StandaloneCluster} through Spark's
 * launcher ({@link SparkLauncher}), in client mode, so the driver is a local process whose
 * {@code SparkAppHandle} this backend follows ({@link LaunchedDrivers}). The runner reports to the job store; a
 * driver that dies without reporting is FAILED with the end of its log.
 */
public final class StandaloneBackend implements JobBackend {
    static final String RUNNER_MAIN = "dev.soal.runtime.RunnerMain";

    private final Supplier<StandaloneCluster> cluster;
    private final S3Settings s3;
    private final TableSettings tables;
    private final String jobStore;
    private final Path workDir;
    private final LaunchedDrivers drivers;
    private final Consumer<String> output;
    private final Duration timeout;
    private final String eventLogDir;

    /** {@code cluster} is asked for on first submit, so a router that never needs it never starts it. */
    public StandaloneBackend(Supplier<StandaloneCluster> cluster, S3Settings s3, TableSettings tables, String jobStore, Path workDir,
                             Clock clock, Consumer<String> output, Duration timeout) {
        this(cluster, s3, tables, jobStore, workDir, clock, output, timeout, null);
    }

    /** @param eventLogDir where the drivers write their Spark event logs ({@code s3a://...}); null for none */
    public StandaloneBackend(Supplier<StandaloneCluster> cluster, S3Settings s3, TableSettings tables, String jobStore, Path workDir,
                             Clock clock, Consumer<String> output, Duration timeout, String eventLogDir) {
        this.eventLogDir = eventLogDir;
        this.cluster = cluster;
        this.s3 = s3;
        this.tables = tables;
        this.jobStore = jobStore;
        this.workDir = workDir;
        this.drivers = new LaunchedDrivers(clock);
        this.output = output;
        this.timeout = timeout;
    }

    @Override
    public Backend kind() {
        return Backend.STANDALONE;
    }

    @Override
    public SubmitOutcome submit(JobRecord job) {
        String handle = "standalone:" + job.id();
        if (drivers.alive(job.id())) {
            return new SubmitOutcome.Accepted(handle, "ALREADY_SUBMITTED");
        }
        StandaloneCluster c = cluster.get();
        RuntimeArtifacts a = c.artifacts();
        Map<String, String> env = new LinkedHashMap<>(StandaloneCluster.sparkEnvironment(a));
        env.putAll(s3.toEnvironment());
        Path dir = workDir.resolve("standalone").resolve(job.id());
        env.put("SOAL_TMP_DIR", dir.resolve("tmp").toString());
        env.put("SOAL_DRIVER_PID_FILE", dir.resolve("driver.pid").toString());
        SparkLauncher launcher = new SparkLauncher(env)
                .setSparkHome(LauncherHome.in(workDir.resolve("standalone").resolve("launcher"), a).toString())
                .setJavaHome(System.getProperty("java.home"))
                .setMaster(c.masterUrl())
                .setDeployMode("client")
                .setAppName("soal-" + job.id())
                .setMainClass(RUNNER_MAIN)
                .setAppResource(a.runnerJar().toString())
                // the driver builds broadcast tables: more room than the small path's tiers, so a job that spilled over fits
                .setConf(SparkLauncher.DRIVER_MEMORY, "2g")
                .setConf(SparkLauncher.DRIVER_EXTRA_JAVA_OPTIONS, javaOptions(a))
                .setConf(SparkLauncher.EXECUTOR_EXTRA_JAVA_OPTIONS, javaOptions(a))
                .setConf(SparkLauncher.EXECUTOR_MEMORY, "1g")
                .setConf("spark.driver.host", "127.0.0.1")
                .setConf("spark.driver.bindAddress", "127.0.0.1")
                .setConf("spark.ui.enabled", "false")
                .setConf("spark.sql.adaptive.enabled", "true")
                .setConf("spark.sql.shuffle.partitions", "8");
        if (eventLogDir != null) {
            dev.soal.core.SparkEventLogs.conf(eventLogDir).forEach(launcher::setConf);
        }
        launcher
                // the catalog goes on the runner's command line, as on EMR Serverless and Glue
                .addAppArgs(RunnerArgs.of(job, jobStore, tables).toArgs().toArray(String[]::new));
        drivers.start(job.id(), launcher, dir.resolve("driver.log"), dir.resolve("driver.pid"), timeout, output);
        return new SubmitOutcome.Accepted(handle, "SUBMITTED");
    }

    @Override
    public boolean runtimeReportsProgress() {
        return true;
    }

    /** A JVM claims its job within seconds; past this the submit is taken as lost and made again. */
    @Override
    public Duration startLease() {
        return Duration.ofMinutes(5);
    }

    /** What a run on this machine's own cluster costs: nothing at list prices. */
    static final dev.soal.core.Cost NO_PRICE = new dev.soal.core.Cost(0, "embedded standalone cluster: no list price");

    /** The driver's state; an ended run costs {@link #NO_PRICE}, so a job's cost is known once it ends. */
    @Override
    public BackendStatus status(JobRecord job) {
        BackendStatus s = drivers.status(job);
        return s.state().isTerminal() && s.cost() == null
                ? new BackendStatus(s.state(), s.nativeState(), s.message(), NO_PRICE) : s;
    }

    @Override
    public void cancel(JobRecord job) {
        drivers.cancel(job.id());
    }

    /** The variable whose JVM options a run's driver and executors get beside Spark's own (none when unset). */
    public static final String JAVA_OPTIONS_VARIABLE = "SOAL_CLUSTER_JAVA_OPTIONS";

    /**
     * Spark's JVM options, UTC (the zone Lambda, EMR and Glue run in, and the embedded Lambda too: a script's
     * zone-less timestamps mean the same on every path), then those of {@value #JAVA_OPTIONS_VARIABLE}: the tests give
     * the C1 compiler only ({@code -XX:TieredStopAtLevel=1}), since their cluster jobs are short and each JVM is new.
     */
    static String javaOptions(RuntimeArtifacts a) {
        String line = a.sparkJavaOptionsLine() + " " + UTC;
        String extra = System.getenv(JAVA_OPTIONS_VARIABLE);
        return extra == null || extra.isBlank() ? line : line + " " + extra.trim();
    }

    static final String UTC = "-Duser.timezone=UTC";
}

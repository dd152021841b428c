import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.examples.ListingsGenerator;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The small path against plain Spark and DuckDB, on generated listings CSVs (bench/small-path.sh):
 * (a) plain Spark 3.5 local in a fresh JVM with the tier's cores and heap, (b) SoAL cold: the first job in a
 * new Lambda environment, from submit to its result, INIT included, (c) the next job in that environment, sent as the
 * first ends, (w) warm: the median of the three jobs after it, (d) DuckDB JDBC in a fresh JVM, (e) the first job on a provisioned, primed environment, (f) at the first
 * size, the second whole `./soal run` on a stack `soal up` started (the first run's environment is then warm); and the
 * whole `./soal run` on its own (a fresh process and stack) at the first size.
 * Options: -Dsizes=50MB,400MB -Druns=3 -Dsoalrun=true -Dprovisioned=true -Dup=true -Dverbose=false (the stacks' output),
 * -Druntime=DIR (the runner jar, spark-home and AppCDS archive of another lambda-runtime/target).
 */
public class SmallPath {
    static final Path ROOT = Path.of(System.getProperty("soal.home")).toAbsolutePath().normalize();
    static final Path WORK = ROOT.resolve(".soal-bench/small-path");
    static final Path SCRIPT = ROOT.resolve("examples/listings/neighbourhood_stats.sql");

    public static void main(String[] args) throws Exception {
        int runs = Integer.getInteger("runs", 3);
        String helpers = System.getProperty("helpers");
        String duckdb = System.getProperty("duckdb.jar");
        // -Druntime=<a lambda-runtime/target of another make-up> (bench/hudi-cold.sh: the image without Hudi's jars)
        String runtime = System.getProperty("runtime");
        RuntimeArtifacts artifacts = (runtime == null ? RuntimeArtifacts.inCheckout(ROOT)
                : new RuntimeArtifacts(Path.of(runtime, "soal-runner.jar"), Path.of(runtime, "spark-home"))).requireBuilt();
        Policies policies = PolicyLoader.defaults();
        Files.createDirectories(WORK);
        List<String> report = new ArrayList<>();
        boolean first = true;
        for (String size : System.getProperty("sizes", "50MB,400MB").split(",")) {
            // the generator ends on a whole line past its target: stay just under the Lambda threshold (400 MB)
            long bytes = Math.min(Long.parseLong(size.replaceAll("[^0-9]", "")) << 20, policies.lambda().maxInputBytes() - (64 << 10));
            Path csv = WORK.resolve("listings-" + size + ".csv");
            if (!Files.exists(csv)) {
                ListingsGenerator.write(csv, bytes, 42);
            }
            int memoryMb = policies.lambda().memory().stream().filter(t -> t.upToBytes() >= bytes).findFirst().orElseThrow().memoryMb();
            int cores = Math.max(1, Math.min(Math.min(6, Math.round(memoryMb / 1769f)), Runtime.getRuntime().availableProcessors()));
            int heap = (int) (memoryMb * 0.8);
            System.out.printf("== %s (%d bytes): tier %d MB, local[%d], heap %d MB%n", size, Files.size(csv), memoryMb, cores, heap);

            double[] a = new double[runs], b = new double[runs], c = new double[runs], d = new double[runs], whole = new double[runs];
            double[] e = new double[runs], f = new double[runs], w = new double[runs];
            boolean up = first && Boolean.parseBoolean(System.getProperty("up", "true"));
            boolean provisioned = Boolean.parseBoolean(System.getProperty("provisioned", "true"));
            for (int i = 0; i < runs; i++) {
                List<String> plain = new ArrayList<>(List.of(RuntimeArtifacts.javaExecutable(), "-Xmx" + heap + "m"));
                plain.addAll(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
                plain.addAll(List.of("-Dlog4j2.configurationFile=" + artifacts.sparkHome().resolve("conf/log4j2.properties").toUri(),
                        "-cp", helpers + File.pathSeparator + artifacts.sparkHome().resolve("jars") + "/*", "PlainSpark",
                        SCRIPT.toString(), csv.toString(), WORK.resolve("plain-out").toString(), String.valueOf(cores)));
                a[i] = timed(plain);
                d[i] = timed(List.of(RuntimeArtifacts.javaExecutable(), "-Xmx" + heap + "m", "-cp", helpers + File.pathSeparator + duckdb,
                        "DuckDbListings", csv.toString(), WORK.resolve("duck-out.parquet").toString(), String.valueOf(cores)));
                double[] bc = soal(artifacts, policies, csv, i);
                b[i] = bc[0];
                c[i] = bc[1];
                w[i] = bc[2];
                if (provisioned) {
                    e[i] = provisioned(artifacts, policies, csv, i);
                }
                if (up) {
                    f[i] = secondRunWithUp(csv, i);
                }
                if (first && Boolean.parseBoolean(System.getProperty("soalrun", "true"))) {
                    // a home of its own: in the default one it would join a stack that is up there
                    Path own = WORK.resolve("run-" + i);
                    whole[i] = timed(List.of(ROOT.resolve("soal").toString(), "run", "--home", own.toString(), "--script", SCRIPT.toString(),
                            "--input", csv.toString()));
                    deleteTree(own);
                }
                System.out.printf("  run %d: a %.1f s, b %.1f s, c %.1f s, w %.1f s, d %.1f s, e %.1f s, f %.1f s%s%n", i + 1, a[i], b[i], c[i], w[i], d[i], e[i], f[i],
                        whole[i] > 0 ? String.format(Locale.ROOT, ", ./soal run %.1f s", whole[i]) : "");
            }
            double ma = median(a), mb = median(b), mc = median(c), mw = median(w), md = median(d), me = median(e), mf = median(f);
            report.add(String.format(Locale.ROOT, "| %s | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%s", size, ma, mb, mc,
                    mw, md, me, mf, mb / ma, mc / ma, mw / ma, mw / md, me / ma, mf / ma, first && whole[0] > 0 ? String.format(Locale.ROOT, " ./soal run %.1f s = %.2f x a", median(whole), median(whole) / ma) : ""));
            first = false;
        }
        System.out.println();
        System.out.println("| input | a plain Spark | b SoAL cold | c next job | w warm (jobs 3-5) | d DuckDB | e first job, provisioned | f second ./soal run, soal up | b/a | c/a | w/a | w/d | e/a | f/a |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        report.forEach(System.out::println);
    }

    /** The jobs after the second that give (w), the settled warm figure. */
    static final int WARM_JOBS = 3;

    /**
     * One stack (a new Lambda environment): the first job's wall time (cold), the next one's, sent as soon as the
     * environment is free again (c: its JIT is still compiling what the first job ran), and the median of the
     * {@link #WARM_JOBS} after it (w: an environment that has run a few jobs).
     */
    static double[] soal(RuntimeArtifacts artifacts, Policies policies, Path csv, int run) throws Exception {
        Path home = WORK.resolve("home-" + run);
        boolean verbose = Boolean.getBoolean("verbose");
        try (EmbeddedStack stack = EmbeddedStack.start(home, artifacts, policies, line -> {
            if (verbose) {
                System.out.println("    | " + line);
            }
        })) {
            String script = stack.upload(SCRIPT, EmbeddedStack.SCRIPTS, "neighbourhood_stats.sql");
            String input = stack.upload(csv, EmbeddedStack.DATA, "bench/" + csv.getFileName());
            double[] took = new double[WARM_JOBS + 2];
            for (int j = 0; j < took.length; j++) {
                // the runtime answers its invocation a few ms after the job's end is recorded: a job sent in between
                // would start a second environment
                for (int k = 0; k < 500 && stack.lambdaService().orElseThrow().environments().stream()
                        .anyMatch(env -> !env.state().equals("IDLE")); k++) {
                    Thread.sleep(10);
                }
                long t0 = System.nanoTime();
                String id = stack.jobs().submit(new JobRequest(script, null, List.of(input), null, null, null, null, null)).job().id();
                JobRecord job;
                while (!(job = stack.jobs().get(id)).state().isTerminal()) {
                    Thread.sleep(20);
                }
                took[j] = (System.nanoTime() - t0) / 1e9;
                if (verbose) {
                    System.out.printf("    job %d: %.1f s, %s%n", j + 1, took[j], job.message());
                }
                if (!job.state().name().equals("SUCCEEDED")) {
                    throw new IllegalStateException("job " + id + " ended " + job.state() + ": " + job.message());
                }
                if (job.environment() == null || job.environment().coldStart() != (j == 0)) {
                    throw new IllegalStateException("job " + id + " expected " + (j == 0 ? "cold" : "warm") + " but ran in " + job.environment());
                }
            }
            return new double[]{took[0], took[1], median(Arrays.copyOfRange(took, 2, took.length))};
        } finally {
            deleteTree(home);
        }
    }

    /**
     * A stack as soal serve starts it, its tier with one provisioned environment: once that is primed, the first
     * job's wall time, POST to result.
     */
    static double provisioned(RuntimeArtifacts artifacts, Policies policies, Path csv, int run) throws Exception {
        Path home = WORK.resolve("provisioned-" + run);
        List<Policies.MemoryTier> tiers = policies.lambda().memory().stream()
                .map(t -> new Policies.MemoryTier(t.upToBytes(), t.memoryMb(), 1)).toList();
        String yaml = Files.readString(ROOT.resolve("policies/policies.yaml"));
        for (Policies.MemoryTier t : policies.lambda().memory()) {
            yaml = yaml.replace("memoryMb: " + t.memoryMb() + " }", "memoryMb: " + t.memoryMb() + ", provisioned: 1 }");
        }
        Policies kept = PolicyLoader.parse(yaml, "bench-policies.yaml");
        if (kept.lambda().memory().stream().anyMatch(t -> t.provisioned() != 1) || tiers.size() != kept.lambda().memory().size()) {
            throw new IllegalStateException("could not give every tier one provisioned environment");
        }
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        try (EmbeddedStack stack = EmbeddedStack.start(home, artifacts, kept, line -> {
            if (line.startsWith("provisioned environments ready: ")) {
                ready.countDown();
            }
        }, EmbeddedStack.Options.serving(null, null))) {
            if (!ready.await(5, java.util.concurrent.TimeUnit.MINUTES)) {
                throw new IllegalStateException("the provisioned environments did not become ready");
            }
            String script = stack.upload(SCRIPT, EmbeddedStack.SCRIPTS, "neighbourhood_stats.sql");
            String input = stack.upload(csv, EmbeddedStack.DATA, "bench/" + csv.getFileName());
            long t0 = System.nanoTime();
            String id = stack.jobs().submit(new JobRequest(script, null, List.of(input), null, null, null, null, null)).job().id();
            JobRecord job;
            while (!(job = stack.jobs().get(id)).state().isTerminal()) {
                Thread.sleep(20);
            }
            double took = (System.nanoTime() - t0) / 1e9;
            if (!job.state().name().equals("SUCCEEDED") || job.environment() == null || job.environment().coldStart()
                    || !"provisioned-concurrency".equals(job.environment().initializationType())) {
                throw new IllegalStateException("job " + id + " ended " + job.state() + " in " + job.environment() + ": " + job.message());
            }
            return took;
        } finally {
            deleteTree(home);
        }
    }

    /**
     * {@code soal up} in a home of its own, a first {@code ./soal run} (its environment starts cold), then the second
     * one's whole command, checked to have run warm; {@code soal down} after.
     */
    static double secondRunWithUp(Path csv, int run) throws Exception {
        Path home = WORK.resolve("up-" + run);
        String soal = ROOT.resolve("soal").toString();
        List<String> runCommand = List.of(soal, "run", "--home", home.toString(), "--script", SCRIPT.toString(), "--input", csv.toString());
        try {
            timed(List.of(soal, "up", "--home", home.toString(), "--port", "0"));
            timed(runCommand);
            double took = timed(runCommand);
            String out = Files.readString(WORK.resolve("last-process.log"));
            if (!out.contains("using the stack that is up") || !out.contains("(warm in ")) {
                throw new IllegalStateException("the second run did not run warm on the stack that is up:\n" + out);
            }
            return took;
        } finally {
            try {
                timed(List.of(soal, "down", "--force", "--home", home.toString()));
            } catch (Exception e) {
                System.out.println("  soal down failed: " + e.getMessage()); // not to hide why the run failed
            }
            deleteTree(home);
        }
    }

    static double timed(List<String> command) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(WORK.resolve("last-process.log").toFile()).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ":\n"
                    + Files.readString(WORK.resolve("last-process.log")));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

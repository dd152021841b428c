package dev.soal.runtime;

import dev.soal.core.RunnerArgs;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one runner: executes a job's script with the {@link SparkSession} it is given, the same way on
 * Lambda, a standalone cluster, EMR Serverless and Glue.
 *
 * <ul>
 *   <li>A {@code .sql} script is fetched from S3, split into statements ({@link SqlScript}), and each is run
 *   with {@code ${input}}, {@code ${inputs}}, {@code ${output}}, {@code ${event}} and {@code ${NAME}} for every
 *   argument substituted. The last statement's first rows are printed when it is a query.</li>
 *   <li>A {@code .jar} is fetched, and its main class is called with {@code --input URI} (each),
 *   {@code --output URI}, {@code --event JSON} and {@code --NAME value}; it finds the session with
 *   {@code SparkSession.active()}.</li>
 * </ul>
 */
public final class JobRunner {
    /** Rows of the last query that are printed. */
    public static final int PRINTED_ROWS = 20;
    static final String VARIABLE_SUBSTITUTE = "spark.sql.variable.substitute";

    private final Function<S3Uri, byte[]> scripts;

    public JobRunner(S3Client s3) {
        this(uri -> s3.getObjectAsBytes(r -> r.bucket(uri.bucket()).key(uri.key())).asByteArray());
    }

    /** A runner whose scripts come from {@code scripts} (S3 in production). */
    JobRunner(Function<S3Uri, byte[]> scripts) {
        this.scripts = scripts;
    }

    /** The outcome of a successful run: what was printed of the last query (empty if none). */
    public record Result(String printed, int statements) {
    }

    public Result run(SparkSession spark, RunnerArgs job, Path scratch) {
        return run(spark, job, scratch, () -> false);
    }

    /**
     * Runs the job; {@code cancelled} is checked before each statement (cooperative cancellation). A job whose event
     * is kept by reference ({@code --event-uri}) has it read first; a stream batch's event also gives the session the
     * view {@code records}, and every Iceberg commit of the run carries the batch ({@link BatchCommits}).
     */
    Result run(SparkSession spark, RunnerArgs job, Path scratch, RunControl cancelled) {
        applySparkConf(spark, job);
        if (job.eventUri() == null) {
            return runScript(spark, job, scratch, cancelled);
        }
        String json = new String(fetch(S3Uri.parse(job.eventUri()), "event"), StandardCharsets.UTF_8);
        RunnerArgs withEvent = new RunnerArgs(job.jobId(), job.jobStore(), job.scriptUri(), job.mainClass(), job.inputUris(),
                job.outputUri(), job.arguments(), json, job.sparkConf(), job.tables());
        @SuppressWarnings("unchecked")
        Map<String, Object> event = dev.soal.core.Json.read(json, Map.class);
        java.util.Optional<StreamBatch> batch = StreamBatch.of(event, json);
        if (batch.isEmpty()) {
            return runScript(spark, withEvent, scratch, cancelled);
        }
        RecordsView.register(spark, batch.get());
        try {
            return BatchCommits.during(batch.get(), job.jobId(), () -> runScript(spark, withEvent, scratch, cancelled));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SoalException(describe(e), e, false);
        }
    }

    private Result runScript(SparkSession spark, RunnerArgs job, Path scratch, RunControl cancelled) {
        S3Uri script = S3Uri.parse(job.scriptUri());
        if (script.key().endsWith(".jar")) {
            return runJar(spark, job, fetchToFile(script, scratch));
        }
        return runSql(spark, job, new String(fetch(script, "script"), StandardCharsets.UTF_8), cancelled);
    }

    public Result runSql(SparkSession spark, RunnerArgs job, String sql) {
        return runSql(spark, job, sql, RunControl.NONE);
    }

    /** Thrown when the job was cancelled; the statements before it have run. */
    public static final class CancelledException extends SoalException {
        CancelledException(String message) {
            super(message, false);
        }
    }

    /** The job's own Spark SQL settings, on its session only; a setting Spark fixes at start fails the job. */
    static void applySparkConf(SparkSession spark, RunnerArgs job) {
        job.sparkConf().forEach((k, v) -> {
            try {
                spark.conf().set(k, v);
            } catch (Exception e) {
                throw new SoalException("spark conf " + k + " cannot be set for one job: " + firstLine(e.getMessage()), e, false);
            }
        });
    }

    Result runSql(SparkSession spark, RunnerArgs job, String sql, RunControl cancelled) {
        List<SqlScript.Statement> statements = SqlScript.split(sql);
        if (statements.isEmpty()) {
            throw new SoalException("script " + job.scriptUri() + " holds no SQL statement", false);
        }
        Map<String, String> vars = variables(job);
        List<SqlScript.Bound> bounds = statements.stream().map(st -> SqlScript.bind(st, vars)).toList();
        try (ViewReuse reuse = new ViewReuse(spark, statements)) {
            return runStatements(spark, statements, bounds, reuse, cancelled);
        }
    }

    private Result runStatements(SparkSession spark, List<SqlScript.Statement> statements, List<SqlScript.Bound> bounds,
                                 ViewReuse reuse, RunControl cancelled) {
        String printed = "";
        for (int i = 0; i < statements.size(); i++) {
            SqlScript.Statement st = statements.get(i);
            if (cancelled.cancelled()) {
                throw new CancelledException("cancelled before statement " + (i + 1) + " of " + statements.size());
            }
            SqlScript.Bound bound = bounds.get(i);
            cancelled.statement(i + 1, statements.size(), st.text());
            // Spark's jobs for it are named after it too: the History Server shows which statement each ran for
            String group = spark.sparkContext().getLocalProperty("spark.jobGroup.id");
            if (group != null) {
                spark.sparkContext().setJobDescription("soal job " + group + ": statement " + (i + 1) + "/" + statements.size()
                        + " (line " + st.line() + ", " + st.keyword() + ")");
            }
            long t0 = System.nanoTime();
            String substitution = spark.conf().get(VARIABLE_SUBSTITUTE, "true");
            try {
                if (bound.valuesHoldDollarBrace()) {
                    spark.conf().set(VARIABLE_SUBSTITUTE, "false"); // the value's ${...} is data, not Spark's to expand
                }
                Dataset<Row> df = bound.parameters().isEmpty() ? spark.sql(bound.text())
                        : spark.sql(bound.text(), bound.parameters());
                if (i == statements.size() - 1 && st.isQuery()) {
                    printed = Tables.format(df.schema().fieldNames(), df.takeAsList(PRINTED_ROWS));
                }
            } catch (Exception e) { // Spark's AnalysisException and SparkException are checked in Java's eyes
                BatchCommits.AlreadyCommitted done = BatchCommits.alreadyCommitted(e);
                if (done != null) {
                    System.out.printf("statement %d/%d (line %d, %s): %s%n", i + 1, statements.size(), st.line(), st.keyword(),
                            done.getMessage());
                    continue;
                }
                if (cancelled.cancelled()) {
                    throw new CancelledException("cancelled during statement " + (i + 1) + " (line " + st.line() + ")");
                }
                throw new SoalException("statement " + (i + 1) + " (line " + st.line() + ") failed: "
                        + describe(e), e, false);
            } finally {
                if (bound.valuesHoldDollarBrace()) {
                    spark.conf().set(VARIABLE_SUBSTITUTE, substitution);
                }
            }
            System.out.printf("statement %d/%d (line %d, %s): %d ms%n", i + 1, statements.size(), st.line(),
                    st.keyword(), (System.nanoTime() - t0) / 1_000_000);
            reuseView(reuse, i, statements.size(), bounds);
        }
        return new Result(printed, statements.size());
    }

    /** Caches the view statement {@code i} defined when later statements read it twice ({@link ViewReuse}); never fails the job. */
    private static void reuseView(ViewReuse reuse, int i, int n, List<SqlScript.Bound> bounds) {
        try {
            String note = reuse.afterStatement(i, bounds.subList(i + 1, n).stream().map(SqlScript.Bound::text).toList());
            if (note != null) {
                System.out.printf("statement %d/%d: %s%n", i + 1, n, note);
            }
        } catch (RuntimeException e) {
            System.out.printf("statement %d/%d: its view is not cached (%s)%n", i + 1, n, describe(e));
        }
    }

    static Map<String, String> variables(RunnerArgs job) {
        Map<String, String> vars = new LinkedHashMap<>(job.arguments());
        vars.put("input", job.inputUris().isEmpty() ? "" : job.inputUris().get(0));
        vars.put("inputs", String.join(",", job.inputUris()));
        vars.put("output", job.outputUri() == null ? "" : job.outputUri());
        vars.put("event", job.eventJson() == null ? "{}" : job.eventJson());
        return vars;
    }

    Result runJar(SparkSession spark, RunnerArgs job, Path jar) {
        List<String> args = new ArrayList<>();
        job.inputUris().forEach(u -> {
            args.add("--input");
            args.add(u);
        });
        if (job.outputUri() != null) {
            args.add("--output");
            args.add(job.outputUri());
        }
        if (job.eventJson() != null) {
            args.add("--event");
            args.add(job.eventJson());
        }
        job.arguments().forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[]{jar.toUri().toURL()}, getClass().getClassLoader())) {
            Thread.currentThread().setContextClassLoader(loader);
            SparkSession.setActiveSession(spark);
            Class<?> main = Class.forName(job.mainClass(), true, loader);
            Method m = main.getMethod("main", String[].class);
            if (!Modifier.isStatic(m.getModifiers())) {
                throw new SoalException("main class " + job.mainClass() + " has no static main(String[])", false);
            }
            m.invoke(null, (Object) args.toArray(String[]::new));
            return new Result("", 0);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new SoalException("jar " + job.scriptUri() + " has no main class " + job.mainClass()
                    + " with main(String[])", e, false);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            BatchCommits.AlreadyCommitted done = BatchCommits.alreadyCommitted(cause);
            if (done != null) {
                // the jar stopped at a commit the table already holds: the batch is in it
                System.out.println(job.mainClass() + ": " + done.getMessage());
                return new Result("", 0);
            }
            throw new SoalException(job.mainClass() + ".main failed: " + cause, cause, false);
        } catch (IllegalAccessException | IOException e) {
            throw new SoalException("cannot run " + job.mainClass() + ": " + e.getMessage(), e, false);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private byte[] fetch(S3Uri uri, String what) {
        try {
            return scripts.apply(uri);
        } catch (SdkException e) {
            throw new SoalException("cannot fetch " + what + " " + uri + ": " + firstLine(e.getMessage()), e, false);
        }
    }

    private Path fetchToFile(S3Uri uri, Path scratch) {
        try {
            Files.createDirectories(scratch);
            Path file = scratch.resolve("script.jar");
            Files.write(file, fetch(uri, "script"));
            return file;
        } catch (IOException e) {
            throw new SoalException("cannot store script " + uri + " under " + scratch + ": " + e.getMessage(), e, false);
        }
    }

    /** The first line of a message that says something (Spark's parse errors start with an empty one). */
    static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        for (String line : message.split("\n")) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        return "(no message)";
    }

    /**
     * What went wrong, in one line: the first line of the message that says something, with Spark's
     * error class in front when the error has one and the message does not show it; the exception's
     * type when there is no message.
     */
    public static String describe(Throwable e) {
        // a SoalException's message already says what went wrong (a statement's failure, described here)
        String conflict = e instanceof dev.soal.core.SoalException ? null : commitConflict(e);
        if (conflict != null) {
            return "the table changed while this job wrote to it: another writer committed first, and this job's "
                    + "commit conflicts with it, so nothing of this job was committed; run the job again (" + conflict + ")";
        }
        return plainly(e);
    }

    /**
     * The types a table format throws when another writer's commit beat this one and retrying cannot reconcile
     * them (Iceberg retries a plain append by itself; Delta resolves what it can before it throws). Iceberg's
     * {@code ValidationException} also reports bad input (a name the Glue Data Catalog refuses, say): it is a
     * conflict only when it says it found another commit's files.
     */
    static final java.util.Set<String> COMMIT_CONFLICTS = java.util.Set.of(
            "org.apache.iceberg.exceptions.CommitFailedException",
            "io.delta.exceptions.DeltaConcurrentModificationException");
    static final String ICEBERG_VALIDATION = "org.apache.iceberg.exceptions.ValidationException";
    static final java.util.regex.Pattern ICEBERG_CONFLICT = java.util.regex.Pattern.compile(
            "(Found (new )?conflicting|Missing required files|Cannot commit, found new).*", java.util.regex.Pattern.DOTALL);

    /** The conflict's own message when {@code e} or a cause is a commit conflict, else null. */
    static String commitConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
                boolean conflict = COMMIT_CONFLICTS.contains(c.getName()) || (c.getName().equals(ICEBERG_VALIDATION)
                        && t.getMessage() != null && ICEBERG_CONFLICT.matcher(t.getMessage()).matches());
                if (conflict) {
                    return c.getSimpleName() + ": " + firstLine(t.getMessage());
                }
            }
        }
        return null;
    }

    private static String plainly(Throwable e) {
        String message = firstLine(e.getMessage());
        if (message.equals("(no message)")) {
            message = e.getClass().getName() + (e.getCause() == null ? "" : ": " + plainly(e.getCause()));
        }
        if (e instanceof org.apache.spark.SparkThrowable st && st.getErrorClass() != null
                && !message.contains("[" + st.getErrorClass() + "]")) {
            message = "[" + st.getErrorClass() + "] " + message;
        }
        return message;
    }
}

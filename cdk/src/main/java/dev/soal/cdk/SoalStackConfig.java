package dev.soal.cdk;

import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the stack is made from: the checkout that built the artifacts, the policies (their file, or the
 * built-in defaults), and the few names the policies do not give.
 *
 * @param root             the checkout: router/target, lambda-runtime/target and lambda-runtime/Dockerfile
 * @param policyFile       the policies YAML the router functions load (null: the built-in defaults)
 * @param policies         the policies read from it
 * @param prefix           the start of every named resource (functions, job, application): {@code soal}
 * @param jobsBucket       the job store's bucket (the policies name the others)
 * @param jobRetentionDays job records older than this are deleted by a lifecycle rule
 */
public record SoalStackConfig(Path root, Path policyFile, Policies policies, String prefix, String jobsBucket,
                              int jobRetentionDays) {
    public static final String DEFAULT_PREFIX = "soal";
    public static final String DEFAULT_JOBS_BUCKET = "soal-jobs";
    public static final int DEFAULT_JOB_RETENTION_DAYS = 90;

    public SoalStackConfig {
        if (!prefix.matches("[a-z][a-z0-9-]{0,30}")) {
            throw new IllegalArgumentException("the prefix must be lower-case letters, digits and '-', at most 31, but was '" + prefix + "'");
        }
        if (!jobsBucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("the jobs bucket must be an S3 bucket name, but was '" + jobsBucket + "'");
        }
        if (jobRetentionDays < 1) {
            throw new IllegalArgumentException("job records must be kept at least 1 day, but the retention was " + jobRetentionDays);
        }
    }

    /** From a checkout, with the policies of {@code policyFile} (or the defaults) and the context's names. */
    public static SoalStackConfig of(Path root, Path policyFile, Map<String, String> context) {
        Policies policies = policyFile == null ? PolicyLoader.defaults() : PolicyLoader.load(policyFile);
        String days = context.getOrDefault("soal:jobRetentionDays", String.valueOf(DEFAULT_JOB_RETENTION_DAYS));
        int retention;
        try {
            retention = Integer.parseInt(days.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("soal:jobRetentionDays must be a number of days, but was '" + days + "'");
        }
        return new SoalStackConfig(root.toAbsolutePath().normalize(), policyFile == null ? null : policyFile.toAbsolutePath(),
                policies, context.getOrDefault("soal:prefix", DEFAULT_PREFIX),
                context.getOrDefault("soal:jobsBucket", DEFAULT_JOBS_BUCKET), retention);
    }

    public Path functionsPackage() {
        return root.resolve("router/target/soal-router-functions.zip");
    }

    public Path runnerJar() {
        return root.resolve("lambda-runtime/target/soal-runner.jar");
    }

    public Path runtimeImageContext() {
        return root.resolve("lambda-runtime");
    }

    /** Fails with what to run when an artifact the stack deploys has not been built. */
    public SoalStackConfig requireBuilt() {
        for (Path p : new Path[]{functionsPackage(), runnerJar(), runtimeImageContext().resolve("target/spark-home/jars")}) {
            if (!Files.exists(p)) {
                throw new IllegalStateException(root.relativize(p) + " is missing: build first (mvn -DskipTests package, or ./soal once)");
            }
        }
        return this;
    }

    /** Every bucket the stack creates: the allowlists' script, input and output buckets, and the job store's. */
    public Set<String> buckets() {
        Set<String> all = new LinkedHashSet<>();
        all.addAll(policies.allowlists().scriptBuckets());
        all.addAll(policies.allowlists().inputBuckets());
        all.addAll(policies.allowlists().outputBuckets());
        all.add(jobsBucket);
        if (policies.tables() != null) {
            all.add(policies.tables().bucket());
        }
        return all;
    }

    /** The runtime function of a memory tier: {@code <prefix>-runtime-<MB>}, as SOAL_RUNTIME_FUNCTION names it. */
    public String runtimeFunctionName(int memoryMb) {
        return runtimeFunctionPattern().replace("{memoryMb}", String.valueOf(memoryMb));
    }

    public String runtimeFunctionPattern() {
        return prefix + "-runtime-{memoryMb}";
    }

    /**
     * The runtime's {@code /tmp}: the staged inputs, Spark's local files and the local output, each up to the
     * largest input the Lambda path takes, plus room for the JVM's own files; within Lambda's 512-10,240 MB.
     */
    public int ephemeralStorageMb() {
        long maxInputMb = (policies.lambda().maxInputBytes() + (1 << 20) - 1) >> 20;
        return (int) Math.max(512, Math.min(10_240, 3 * maxInputMb + 512));
    }
}

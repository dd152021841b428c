package dev.soal.router.aws;

import dev.soal.core.S3Uri;

import java.nio.file.Path;
import java.util.Map;

/**
 * How the router reaches real AWS, read once from the environment (the runtime functions' timeout is the policies'
 * {@code lambda.timeoutSeconds}, which the stack gives the functions too). Each backend is configured when its
 * settings are present; the policies decide among the configured ones.
 *
 * <table>
 *   <caption>Environment</caption>
 *   <tr><td>{@code AWS_REGION}</td><td>required</td></tr>
 *   <tr><td>{@code SOAL_JOB_STORE}</td><td>required: {@code s3://bucket/prefix/} of the job store</td></tr>
 *   <tr><td>{@code SOAL_OUTPUT_BASE}</td><td>required: where jobs without an output write, {@code s3://bucket/jobs/}</td></tr>
 *   <tr><td>{@code SOAL_POLICY}</td><td>a policies YAML file (default: the built-in policies)</td></tr>
 *   <tr><td>{@code SOAL_RUNTIME_FUNCTION}</td><td>Lambda function name with {@code {memoryMb}}, e.g. {@code soal-runtime-{memoryMb}}</td></tr>
 *   <tr><td>{@code SOAL_RUNTIME_ALIAS}</td><td>optional: the runtime functions' alias to invoke (the stack's
 *   {@code live}, where the tiers' provisioned environments are kept); default {@code $LATEST}</td></tr>
 *   <tr><td>{@code SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS}</td><td>the runtime functions' maximum event age (default
 *   900, 60..21600): how long an accepted submit may wait in Lambda's queue; the start lease follows it</td></tr>
 *   <tr><td>{@code SOAL_RUNNER_JAR_URI}</td><td>{@code s3://.../soal-runner.jar} (EMR Serverless entryPoint)</td></tr>
 *   <tr><td>{@code SOAL_EMR_APPLICATION_ID}, {@code SOAL_EMR_EXECUTION_ROLE_ARN}</td><td>EMR Serverless</td></tr>
 *   <tr><td>{@code SOAL_EMR_LOG_URI}</td><td>optional: S3 log URI of EMR Serverless runs</td></tr>
 *   <tr><td>{@code SOAL_EVENT_LOG_DIR}</td><td>optional: where EMR Serverless runs write their Spark event logs
 *   ({@code s3://.../soal-logs/spark-events/}; Glue's job and the runtime functions are given it by the stack)</td></tr>
 *   <tr><td>{@code SOAL_GLUE_JOB_NAME}</td><td>the Glue 5.0+ job that runs the runner jar</td></tr>
 *   <tr><td>{@code SOAL_METRICS}</td><td>{@code emf} (default: Embedded Metric Format log lines, flushed per
 *   invocation, which CloudWatch turns into metrics) or {@code none}</td></tr>
 *   <tr><td>{@code SOAL_METRICS_NAMESPACE}</td><td>CloudWatch namespace (default {@code SoAL})</td></tr>
 * </table>
 */
public record AwsRouterConfig(String region, S3Uri jobStore, S3Uri outputBase, Path policy,
                              String runtimeFunction, int runtimeMaxEventAgeSeconds,
                              String runnerJarUri, String emrApplicationId, String emrExecutionRoleArn, String emrLogUri,
                              String glueJobName, String metrics, String metricsNamespace, String eventLogDir,
                              String runtimeAlias) {

    public AwsRouterConfig {
        require(region, "AWS_REGION");
        if (jobStore == null) {
            throw new IllegalArgumentException("SOAL_JOB_STORE must be set, e.g. s3://my-soal-jobs/");
        }
        if (outputBase == null) {
            throw new IllegalArgumentException("SOAL_OUTPUT_BASE must be set, e.g. s3://my-soal-output/jobs/");
        }
        if ((emrApplicationId == null) != (emrExecutionRoleArn == null)) {
            throw new IllegalArgumentException("SOAL_EMR_APPLICATION_ID and SOAL_EMR_EXECUTION_ROLE_ARN must be set together");
        }
        if ((emrApplicationId != null || glueJobName != null) && runnerJarUri == null) {
            throw new IllegalArgumentException("SOAL_RUNNER_JAR_URI must be set to use EMR Serverless or Glue");
        }
        if (emrApplicationId == null && glueJobName == null && runtimeFunction == null) {
            throw new IllegalArgumentException("no backend is configured: set SOAL_RUNTIME_FUNCTION, "
                    + "SOAL_EMR_APPLICATION_ID (+ SOAL_EMR_EXECUTION_ROLE_ARN) or SOAL_GLUE_JOB_NAME");
        }
        if ("cloudwatch".equals(metrics)) {
            throw new IllegalArgumentException("SOAL_METRICS=cloudwatch is no longer offered: use emf (the default), "
                    + "whose log lines CloudWatch turns into the same metrics without a client in the functions' package");
        }
        if (!java.util.List.of("emf", "none").contains(metrics)) {
            throw new IllegalArgumentException("SOAL_METRICS must be emf or none, but was '" + metrics + "'");
        }
    }

    public static AwsRouterConfig fromEnvironment(Map<String, String> env) {
        String store = blankToNull(env.get("SOAL_JOB_STORE"));
        String output = blankToNull(env.get("SOAL_OUTPUT_BASE"));
        String policy = blankToNull(env.get("SOAL_POLICY"));
        int maxEventAge = seconds(env, "SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS", 900);
        return new AwsRouterConfig(blankToNull(env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION"))),
                store == null ? null : S3Uri.parse(store), output == null ? null : S3Uri.parse(output),
                policy == null ? null : Path.of(policy),
                blankToNull(env.get("SOAL_RUNTIME_FUNCTION")), maxEventAge,
                blankToNull(env.get("SOAL_RUNNER_JAR_URI")), blankToNull(env.get("SOAL_EMR_APPLICATION_ID")),
                blankToNull(env.get("SOAL_EMR_EXECUTION_ROLE_ARN")), blankToNull(env.get("SOAL_EMR_LOG_URI")),
                blankToNull(env.get("SOAL_GLUE_JOB_NAME")), env.getOrDefault("SOAL_METRICS", "emf"),
                env.getOrDefault("SOAL_METRICS_NAMESPACE", "SoAL"), blankToNull(env.get("SOAL_EVENT_LOG_DIR")),
                blankToNull(env.get("SOAL_RUNTIME_ALIAS")));
    }

    private static int seconds(Map<String, String> env, String name, int orElse) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return orElse;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number of seconds, but was '" + value + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static void require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must be set");
        }
    }
}

/**
 * The runner, the same on every path, and its entry points: {@link dev.soal.runtime.SparkLambdaHandler}
 * (Lambda, warm in-process session), {@link dev.soal.runtime.RunnerMain} (spark-submit, EMR Serverless, Glue).
 * In the embedded stack the local Lambda service runs the handler through Lambda's runtime interface client.
 *
 * <pre>{@code
 * JobRunner runner = new JobRunner(s3);
 * JobRunner.Result r = runner.run(spark, RunnerArgs.of(job, null), Path.of("/tmp/soal-job-1"));
 * }</pre>
 */
package dev.soal.runtime;

/**
 * S3 as SoAL uses it: one client factory for AWS and S3-compatible endpoints, and the job store.
 *
 * <pre>{@code
 * S3Client s3 = S3Clients.create(S3Settings.fromEnvironment(System.getenv()));
 * JobStore store = new S3JobStore(s3, S3Uri.parse("s3://my-soal-jobs/"));
 * }</pre>
 */
package dev.soal.adapters.s3;

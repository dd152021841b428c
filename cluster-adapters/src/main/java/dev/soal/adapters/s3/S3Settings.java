package dev.soal.adapters.s3;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How to reach S3. In AWS only the region matters and credentials come from the default chain;
 * the embedded stack sets an endpoint on loopback and static credentials.
 *
 * @param endpoint  null for AWS; otherwise an S3-compatible server, addressed path-style
 * @param accessKey null to use the SDK's default credentials chain
 */
public record S3Settings(String region, URI endpoint, String accessKey, String secretKey) {

    /** Environment variable naming an S3-compatible endpoint (the embedded stack sets it for its processes). */
    public static final String ENDPOINT_ENV = "SOAL_S3_ENDPOINT";
    public static final String DEFAULT_REGION = "us-east-1";

    public S3Settings {
        region = region == null || region.isBlank() ? DEFAULT_REGION : region;
        if ((accessKey == null) != (secretKey == null)) {
            throw new IllegalArgumentException("accessKey and secretKey must be set together");
        }
    }

    /**
     * Reads {@code AWS_REGION} and {@code SOAL_S3_ENDPOINT}. In AWS credentials stay with the default
     * chain; with an endpoint, {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY} are taken as static
     * keys (Spark's s3a needs them spelled out).
     */
    public static S3Settings fromEnvironment(Map<String, String> env) {
        String endpoint = env.get(ENDPOINT_ENV);
        String region = env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION"));
        if (endpoint == null || endpoint.isBlank()) {
            return new S3Settings(region, null, null, null);
        }
        String key = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        return key == null || secret == null
                ? new S3Settings(region, URI.create(endpoint), null, null)
                : new S3Settings(region, URI.create(endpoint), key, secret);
    }

    /** The environment a child process needs to reach the same S3 (endpoint, region, static credentials). */
    public Map<String, String> toEnvironment() {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("AWS_REGION", region);
        if (endpoint != null) {
            env.put(ENDPOINT_ENV, endpoint.toString());
        }
        if (accessKey != null) {
            env.put("AWS_ACCESS_KEY_ID", accessKey);
            env.put("AWS_SECRET_ACCESS_KEY", secretKey);
        }
        return env;
    }

    /**
     * S3A for {@code s3://} and {@code s3a://}. With an endpoint (the embedded S3 server): path-style,
     * plain HTTP, static credentials, no multi-object delete and kept directory markers, which S3Proxy
     * needs. Without one, S3A's default credential chain (Lambda role, instance profile, env) applies.
     */
    public Map<String, String> sparkS3a() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("spark.hadoop.fs.s3.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
        c.put("spark.hadoop.fs.s3a.endpoint.region", region);
        c.put("spark.hadoop.fs.s3a.directory.marker.retention", "keep");
        if (endpoint != null) {
            c.put("spark.hadoop.fs.s3a.endpoint", endpoint.toString());
            c.put("spark.hadoop.fs.s3a.path.style.access", "true");
            c.put("spark.hadoop.fs.s3a.connection.ssl.enabled", String.valueOf("https".equals(endpoint.getScheme())));
            c.put("spark.hadoop.fs.s3a.multiobjectdelete.enable", "false");
            c.put("spark.hadoop.fs.s3a.change.detection.mode", "none");
            c.put("spark.hadoop.fs.s3a.attempts.maximum", "3");
            c.put("spark.hadoop.fs.s3a.retry.limit", "3");
        }
        if (accessKey != null) {
            c.put("spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
            c.put("spark.hadoop.fs.s3a.access.key", accessKey);
            c.put("spark.hadoop.fs.s3a.secret.key", secretKey);
        }
        return c;
    }
}

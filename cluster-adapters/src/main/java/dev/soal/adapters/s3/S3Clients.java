package dev.soal.adapters.s3;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import java.time.Duration;

/**
 * Builds the one kind of S3 client SoAL uses, for AWS or for an S3-compatible endpoint.
 *
 * <p>The runner uses the AWS SDK v2 of the platform it runs on (EMR Serverless and Glue put theirs on
 * Spark's classpath; it is never shaded into the runner jar), so this checks that SDK is new enough for what
 * SoAL calls (S3 conditional writes, the checksum settings): {@value #MINIMUM_SDK} or later. It uses the
 * URL-connection HTTP client when the classpath has it, and the SDK's default HTTP client otherwise.
 */
public final class S3Clients {
    public static final String MINIMUM_SDK = "2.30.0";

    private S3Clients() {
    }

    public static S3Client create(S3Settings settings) {
        requireSdk(software.amazon.awssdk.core.util.VersionInfo.SDK_VERSION);
        S3ClientBuilder b = S3Client.builder().region(Region.of(settings.region()));
        if (urlConnectionClientPresent()) {
            b.httpClientBuilder(UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(10))
                    .socketTimeout(Duration.ofSeconds(60)));
        }
        if (settings.accessKey() != null) {
            b.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())));
        } else {
            b.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        if (settings.endpoint() != null) {
            // S3-compatible servers: path-style addressing, and checksums only where the API requires
            // them (S3Proxy 2.4 does not understand the SDK's default trailing-checksum uploads).
            b.endpointOverride(settings.endpoint())
                    .forcePathStyle(true)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return b.build();
    }

    /** Fails with a clear message when the AWS SDK v2 on the classpath is older than {@link #MINIMUM_SDK}. */
    static void requireSdk(String version) {
        if (compareVersions(version, MINIMUM_SDK) < 0) {
            throw new IllegalStateException("the AWS SDK for Java v2 on this classpath is " + version + ", but SoAL needs "
                    + MINIMUM_SDK + " or later (S3 conditional writes): use a newer EMR or Glue release, or put a newer SDK on "
                    + "the job's classpath");
        }
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < 3; i++) {
            int p = i < x.length ? leadingNumber(x[i]) : 0;
            int q = i < y.length ? leadingNumber(y[i]) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        return 0;
    }

    private static int leadingNumber(String part) {
        int n = 0;
        for (char c : part.toCharArray()) {
            if (!Character.isDigit(c)) {
                break;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Whether the classpath has the SDK's URL-connection HTTP client, which SoAL's AWS clients use when it is. */
    public static boolean urlConnectionClientPresent() {
        try {
            Class.forName("software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient", false, S3Clients.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}

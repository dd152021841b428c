package dev.soal.adapters.aws;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.net.URI;
import java.time.Duration;

/**
 * The control-plane clients, built one way: the JDK HTTP client, the SDK's retries off (resilience4j
 * retries instead, see {@link Resilience}), a timeout per attempt and per call. In AWS only the region is
 * set and credentials come from the default chain; tests point {@code endpoint} at WireMock.
 */
public record AwsClients(Region region, URI endpoint, AwsCredentialsProvider credentials, Duration attemptTimeout) {

    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

    public static AwsClients forRegion(String region) {
        return new AwsClients(Region.of(region), null, DefaultCredentialsProvider.builder().build(), DEFAULT_ATTEMPT_TIMEOUT);
    }

    public EmrServerlessClient emrServerless() {
        return configure(EmrServerlessClient.builder()).build();
    }

    public GlueClient glue() {
        return configure(GlueClient.builder()).build();
    }

    public LambdaClient lambda() {
        return configure(LambdaClient.builder()).build();
    }

    /** Any service's client builder, configured as these are (for clients this module does not carry, such as the CLI's). */
    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B b) {
        b.region(region)
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(attemptTimeout))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(attemptTimeout)
                        .apiCallTimeout(attemptTimeout.multipliedBy(2)));
        if (endpoint != null) {
            b.endpointOverride(endpoint);
        }
        return b;
    }
}

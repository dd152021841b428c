package dev.soal.router.client;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a request to the jobs API proves who sends it: the bearer token {@code soal serve} prints, or SigV4 for the
 * deployed API behind API Gateway (IAM authorization, service {@code execute-api}), with the credentials of the
 * default AWS chain.
 */
public interface ApiAuth {
    /** The headers to add to a request with this method, URI, headers ({@code sent}, as they go out) and body. */
    Map<String, List<String>> headers(String method, URI uri, Map<String, String> sent, byte[] body);

    /** {@code Authorization: Bearer <token>}. */
    static ApiAuth bearer(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the token must not be empty");
        }
        return (method, uri, sent, body) -> Map.of("Authorization", List.of("Bearer " + token));
    }

    /** SigV4 for API Gateway ({@code execute-api}) in {@code region}, signing at {@code clock}'s time. */
    static ApiAuth sigV4(AwsCredentialsProvider credentials, String region, Clock clock) {
        AwsV4HttpSigner signer = AwsV4HttpSigner.create();
        // what java.net.http sets by itself and may not be set by hand; Host is signed from the URI as the client sends it
        Set<String> restricted = Set.of("host", "content-length", "connection", "expect", "upgrade");
        return (method, uri, sent, body) -> {
            SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
            sent.forEach(b::putHeader);
            SdkHttpRequest request = b.build();
            SignedRequest signed = signer.sign(r -> r.identity(credentials.resolveCredentials()).request(request)
                    .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock));
            Map<String, List<String>> out = new java.util.LinkedHashMap<>();
            signed.request().headers().forEach((k, v) -> {
                if (!restricted.contains(k.toLowerCase(java.util.Locale.ROOT)) && !sent.containsKey(k)) {
                    out.put(k, v);
                }
            });
            return out;
        };
    }

    /**
     * The region of an API Gateway URL ({@code https://abc123.execute-api.eu-west-1.amazonaws.com/prod/}), or null when
     * the host is not one (a custom domain, a local server).
     */
    static String regionOf(URI api) {
        String host = api.getHost() == null ? "" : api.getHost();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[^.]+\\.execute-api\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?")
                .matcher(host);
        return m.matches() ? m.group(1) : null;
    }
}

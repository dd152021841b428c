package dev.soal.router.cli;

import dev.soal.adapters.aws.AwsClients;
import dev.soal.router.client.ApiAuth;
import dev.soal.router.client.JobsApiClient;
import dev.soal.router.client.StackApi;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

import java.net.URI;
import java.time.Clock;

/**
 * Which jobs API a {@code soal jobs} command talks to, and how it signs in: {@code --api URL} with {@code --token} (or
 * {@code SOAL_TOKEN}) for {@code soal serve}; the deployed API by {@code --stack NAME} or by its API Gateway URL (or any URL
 * with {@code --sigv4}), signed with SigV4 from the default AWS credential chain; with neither, the stack {@code soal up}
 * runs in the home, with its token.
 */
final class ApiOptions {
    @Option(names = "--api", description = "The jobs API's URL: soal serve's (http://127.0.0.1:PORT/) or the stack's JobsApiUrl.")
    URI api;

    @Option(names = "--stack", description = "A deployed SoAL stack's name: its JobsApiUrl output is the API (needs AWS credentials).")
    String stack;

    @Option(names = "--token", description = "soal serve's bearer token (default: $SOAL_TOKEN). Without one, requests are signed with SigV4.")
    String token;

    @Option(names = "--region", description = "The AWS region of the stack or API (default: from the API's URL, else the AWS default chain).")
    String region;

    @Option(names = "--home", description = "With neither --api nor --stack: the stack 'soal up' runs in this home (default"
            + " .soal, or $SOAL_HOME), its API and token.")
    java.nio.file.Path home;

    @Option(names = "--sigv4", description = "Sign with SigV4 (execute-api) though the URL is not an API Gateway one (a custom domain).")
    boolean sigV4;

    /** The API is a deployed stack's (signed with SigV4), not a soal serve's. */
    boolean deployed() {
        return stack != null || sigV4 || (api != null && ApiAuth.regionOf(api) != null);
    }

    /** The client these options name; a usage error (nothing to talk to, both named) throws IllegalArgumentException. */
    JobsApiClient client() {
        if (api != null && stack != null) {
            throw new IllegalArgumentException("name the jobs API with --api URL or --stack NAME (one of them)");
        }
        if (api == null && stack == null) {
            // the stack that is up in the home, if any: its API, and its token unless another is given
            java.nio.file.Path h = (home != null ? home : EmbeddedOptions.defaultHome()).toAbsolutePath().normalize();
            dev.soal.router.embedded.UpStack up = dev.soal.router.embedded.UpStack.running(h).orElseThrow(() ->
                    new IllegalArgumentException("name the jobs API with --api URL or --stack NAME, or 'soal up' a stack in " + h));
            String t = token != null ? token : System.getenv("SOAL_TOKEN");
            return new JobsApiClient(up.api(), ApiAuth.bearer(t != null && !t.isBlank() ? t : up.token()));
        }
        // a deployed API is always signed: soal serve's token (from the flag or $SOAL_TOKEN) is never sent to AWS
        boolean aws = deployed();
        if (aws && token != null) {
            throw new IllegalArgumentException("--token is soal serve's; a deployed API (--stack, an API Gateway URL, --sigv4)"
                    + " is signed with your AWS credentials");
        }
        String t = token != null ? token : System.getenv("SOAL_TOKEN");
        URI url = api;
        String r = region;
        if (stack != null) {
            r = r != null ? r : new DefaultAwsRegionProviderChain().getRegion().id();
            url = StackApi.url(AwsClients.forRegion(r), stack);
        }
        if (!aws && t != null && !t.isBlank()) {
            return new JobsApiClient(url, ApiAuth.bearer(t));
        }
        if (!aws) {
            throw new IllegalArgumentException("say how to sign in: --token T or $SOAL_TOKEN for soal serve (it prints its token), "
                    + "or --sigv4 for an API behind IAM on a custom domain");
        }
        r = r != null ? r : ApiAuth.regionOf(url);
        r = r != null ? r : new DefaultAwsRegionProviderChain().getRegion().id();
        return new JobsApiClient(url, ApiAuth.sigV4(DefaultCredentialsProvider.builder().build(), r, Clock.systemUTC()));
    }
}

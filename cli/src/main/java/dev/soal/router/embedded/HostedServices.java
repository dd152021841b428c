package dev.soal.router.embedded;

import dev.soal.core.Json;
import dev.soal.core.TableSettings;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * What the stack that hosts the embedded S3 server shares with the stacks that join it ({@code soal serve
 * --s3-endpoint}): its local Lambda service and its {@code soal} catalog. A joining stack invokes the host's
 * functions instead of starting a Lambda service of its own, so an invocation the service accepted (202) lives
 * as long as the stack that holds the S3 server and the job store, not as long as the router that sent it, as
 * an accepted invocation in AWS outlives any router. Kept at {@code s3://soal-jobs/_stack/services.json}.
 *
 * @param lambdaEndpoint the local Lambda service's Invoke API
 * @param functions      the functions registered there, one per memory tier of the host's policies
 * @param catalog        the {@code soal} catalog's JDBC URL; null when the host has none
 * @param warehouse      where the catalog's tables go; null when the host has no catalog
 */
public record HostedServices(URI lambdaEndpoint, List<String> functions, String catalog, String warehouse) {
    public static final String BUCKET = EmbeddedStack.JOBS;
    public static final String KEY = "_stack/services.json";
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    public HostedServices {
        functions = List.copyOf(functions);
    }

    /** The catalog every runtime of a joining stack gets: the host's. */
    public TableSettings tables() {
        return catalog == null ? TableSettings.none() : new TableSettings(catalog, warehouse);
    }

    /** Writes this as the stack's services, replacing what an earlier host left. */
    public void publish(S3Client s3) {
        s3.putObject(r -> r.bucket(BUCKET).key(KEY).contentType("application/json"),
                RequestBody.fromString(Json.write(this), StandardCharsets.UTF_8));
    }

    /** Removes the descriptor: the host stops, or hosts no services (it simulates runs). */
    public static void withdraw(S3Client s3) {
        s3.deleteObject(r -> r.bucket(BUCKET).key(KEY));
    }

    /** Withdraws the descriptor if it is still this one (a later host in the same home may have replaced it). */
    public void withdrawIfCurrent(S3Client s3) {
        if (read(s3).filter(this::equals).isPresent()) {
            withdraw(s3);
        }
    }

    /** What the host published; empty when it published nothing. */
    public static Optional<HostedServices> read(S3Client s3) {
        try {
            return Optional.of(Json.read(s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(KEY)).asUtf8String(), HostedServices.class));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /**
     * What a joining stack uses: the host's services, checked to answer and to hold every function {@code needed}
     * names; a clear error when the host has none (it simulates runs, or it is not a {@code soal serve}), when
     * they do not answer, or when the host's policies lack a memory tier the joining stack's policies route to.
     */
    public static HostedServices join(S3Client s3, URI s3Endpoint, Collection<String> needed) {
        HostedServices hosted = read(s3).orElseThrow(() -> new IllegalStateException("the stack at " + s3Endpoint
                + " runs no local Lambda service to share (it was started with --simulate-runs, or it is not a"
                + " 'soal serve'); start it without --simulate-runs, or start this one with --simulate-runs too"));
        List<String> missing = needed.stream().filter(f -> !hosted.functions().contains(f)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the stack at " + s3Endpoint + " has no function " + String.join(", ", missing)
                    + " (it has " + String.join(", ", hosted.functions()) + "): both servers need the same lambda.memory tiers"
                    + " in their policies");
        }
        if (!answers(hosted.lambdaEndpoint())) {
            throw new IllegalStateException("the local Lambda service the stack at " + s3Endpoint + " published ("
                    + hosted.lambdaEndpoint() + ") does not answer; was its server stopped without closing? Restart it");
        }
        return hosted;
    }

    private static boolean answers(URI endpoint) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

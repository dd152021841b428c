package dev.soal.embedded.s3;

import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.SoalException;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real S3-speaking server on loopback: S3Proxy over a local folder (jclouds' filesystem provider),
 * with AWS signature checking, and conditional writes ({@code If-None-Match}, {@code If-Match}) enforced
 * atomically as S3 does ({@link EmbeddedBlobStore}). Objects must be written through the S3 API (objects
 * copied into the folder by hand have no ETag, and Spark's s3a refuses to read them).
 */
public final class EmbeddedS3 implements AutoCloseable {
    public static final String ACCESS_KEY = "soal-local";
    public static final String SECRET_KEY = "soal-local-secret";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final S3Settings settings;
    private final EmbeddedBlobStore store;
    private final Path directory;

    /** Told of every object written through the S3 API (what S3 event notifications would report). */
    @FunctionalInterface
    public interface ObjectCreatedListener {
        /** @param how {@code Put} or {@code CompleteMultipartUpload}, as in {@code ObjectCreated:Put} */
        void created(String bucket, String key, long size, String etag, String how);
    }

    private EmbeddedS3(S3Proxy proxy, BlobStoreContext context, S3Settings settings, EmbeddedBlobStore store, Path directory) {
        this.directory = directory;
        this.proxy = proxy;
        this.context = context;
        this.settings = settings;
        this.store = store;
    }

    /** The folder its buckets are kept in, one folder per bucket. */
    public Path directory() {
        return directory;
    }

    public void addListener(ObjectCreatedListener listener) {
        store.addListener(listener);
    }

    /** Starts the server over {@code dir} on a free loopback port. */
    public static EmbeddedS3 start(Path dir) {
        try {
            Files.createDirectories(dir);
            Properties props = new Properties();
            props.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
            BlobStoreContext context = ContextBuilder.newBuilder("filesystem")
                    .credentials("identity", "credential")
                    .overrides(props)
                    .build(BlobStoreContext.class);
            EmbeddedBlobStore store = new EmbeddedBlobStore(context.getBlobStore(), dir.toAbsolutePath().normalize());
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            URI endpoint = URI.create("http://127.0.0.1:" + port);
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(store)
                    .endpoint(endpoint)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .ignoreUnknownHeaders(true)
                    .build();
            ConditionalWrites.install(proxy);
            proxy.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new SoalException("S3Proxy did not start within 10 s (state " + proxy.getState() + ")", true);
                }
                Thread.sleep(20);
            }
            return new EmbeddedS3(proxy, context, new S3Settings(S3Settings.DEFAULT_REGION, endpoint, ACCESS_KEY, SECRET_KEY), store,
                    dir.toAbsolutePath().normalize());
        } catch (SoalException e) {
            throw e;
        } catch (Exception e) {
            throw new SoalException("cannot start the embedded S3 server over " + dir + ": " + e.getMessage(), e, false);
        }
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            // stopping anyway
        }
        context.close();
    }

}

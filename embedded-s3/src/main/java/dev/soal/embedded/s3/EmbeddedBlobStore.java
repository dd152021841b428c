package dev.soal.embedded.s3;

import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.util.ForwardingBlobStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The embedded S3's blob store: jclouds' filesystem store with what S3 does and it does not.
 * <ul>
 *   <li><b>Conditional writes.</b> A PUT (or CompleteMultipartUpload) with {@code If-None-Match: *}
 *   fails with 412 when the key exists; with {@code If-Match: <etag>}, with 412 when the object's ETag
 *   differs and 404 when there is no object. Check and write happen under one lock per key, so two
 *   conditional writers of one key (from any number of client processes) never both win.</li>
 *   <li><b>Directory markers.</b> jclouds keeps a marker ({@code "dir/"}) as the folder itself, and
 *   deleting the marker of a folder that still has files stalls for 10 s (S3Proxy 2.4.1, jclouds 2.6).
 *   On S3, deleting a marker leaves the objects below it alone, so here that delete is a no-op. Spark's
 *   s3a deletes such markers on every job commit.</li>
 *   <li><b>Event notifications.</b> Listeners hear of every object created, as S3 notifications would.</li>
 * </ul>
 */
final class EmbeddedBlobStore extends ForwardingBlobStore {
    private static final int LOCK_STRIPES = 256;
    private final Object[] locks = new Object[LOCK_STRIPES];
    private final Path baseDir;
    private final java.util.List<EmbeddedS3.ObjectCreatedListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    EmbeddedBlobStore(BlobStore delegate, Path baseDir) {
        super(delegate);
        this.baseDir = baseDir;
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    void addListener(EmbeddedS3.ObjectCreatedListener listener) {
        listeners.add(listener);
    }

    @Override
    public String putBlob(String container, org.jclouds.blobstore.domain.Blob blob) {
        String etag = conditionally(container, blob.getMetadata().getName(), blob, () -> super.putBlob(container, blob));
        created(container, blob, etag, "Put");
        return etag;
    }

    @Override
    public String putBlob(String container, org.jclouds.blobstore.domain.Blob blob, org.jclouds.blobstore.options.PutOptions options) {
        String etag = conditionally(container, blob.getMetadata().getName(), blob, () -> super.putBlob(container, blob, options));
        created(container, blob, etag, options != null && options.isMultipart() ? "CompleteMultipartUpload" : "Put");
        return etag;
    }

    @Override
    public String completeMultipartUpload(org.jclouds.blobstore.domain.MultipartUpload mpu,
                                          java.util.List<org.jclouds.blobstore.domain.MultipartPart> parts) {
        String etag = conditionally(mpu.containerName(), mpu.blobName(), null, () -> super.completeMultipartUpload(mpu, parts));
        notifyListeners(mpu.containerName(), mpu.blobName(), etag, "CompleteMultipartUpload");
        return etag;
    }

    /** Runs {@code write} if the request's conditions hold, atomically with respect to other conditional writes of the key. */
    private String conditionally(String container, String name, org.jclouds.blobstore.domain.Blob body,
                                 java.util.function.Supplier<String> write) {
        var condition = ConditionalWrites.current();
        if (condition.isEmpty()) {
            return write.get();
        }
        try {
            return check(container, name, condition.get(), write);
        } catch (RuntimeException e) {
            drain(body); // read the request body the refused write did not, so the client sees the 412 and not a broken pipe
            throw e;
        }
    }

    private static void drain(org.jclouds.blobstore.domain.Blob body) {
        if (body == null || body.getPayload() == null) {
            return;
        }
        try (java.io.InputStream in = body.getPayload().openStream()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            // the connection closes instead; the client retries
        }
    }

    private String check(String container, String name, ConditionalWrites.Condition c, java.util.function.Supplier<String> write) {
        synchronized (locks[Math.floorMod((container + "/" + name).hashCode(), LOCK_STRIPES)]) {
            org.jclouds.blobstore.domain.BlobMetadata now = delegate().blobMetadata(container, name);
            String ifNoneMatch = c.ifNoneMatch();
            String ifMatch = c.ifMatch();
            if (ifNoneMatch != null && now != null && (ifNoneMatch.trim().equals("*") || sameEtag(ifNoneMatch, now.getETag()))) {
                throw preconditionFailed(container, name, "If-None-Match: " + ifNoneMatch);
            }
            if (ifMatch != null) {
                if (now == null) {
                    throw new org.jclouds.blobstore.KeyNotFoundException(container, name, "If-Match on a missing key");
                }
                if (!ifMatch.trim().equals("*") && !sameEtag(ifMatch, now.getETag())) {
                    throw preconditionFailed(container, name, "If-Match: " + ifMatch);
                }
            }
            return write.get();
        }
    }

    private static boolean sameEtag(String header, String etag) {
        if (etag == null) {
            return false;
        }
        String want = etag.replace("\"", "").trim();
        for (String candidate : header.split(",")) {
            if (candidate.replace("\"", "").replace("W/", "").trim().equals(want)) {
                return true;
            }
        }
        return false;
    }

    private static org.jclouds.http.HttpResponseException preconditionFailed(String container, String name, String condition) {
        // S3Proxy answers a 412 from its blob store as S3 does: PreconditionFailed
        return new org.jclouds.http.HttpResponseException("precondition failed for " + container + "/" + name + " (" + condition + ")",
                null, org.jclouds.http.HttpResponse.builder().statusCode(412).message("Precondition Failed").build());
    }

    private void created(String container, org.jclouds.blobstore.domain.Blob blob, String etag, String how) {
        notifyListeners(container, blob.getMetadata().getName(), etag, how);
    }

    private void notifyListeners(String container, String name, String etag, String how) {
        if (listeners.isEmpty() || name.endsWith("/")) {
            return;
        }
        long size = -1;
        try {
            size = Files.size(baseDir.resolve(container).resolve(name));
        } catch (IOException e) {
            // size stays unknown
        }
        for (EmbeddedS3.ObjectCreatedListener l : listeners) {
            l.created(container, name, size, etag, how);
        }
    }

    @Override
    public void removeBlob(String container, String name) {
        if (!isMarkerOfNonEmptyFolder(container, name)) {
            super.removeBlob(container, name);
        }
    }

    @Override
    public void removeBlobs(String container, Iterable<String> names) {
        List<String> keep = new ArrayList<>();
        for (String name : names) {
            if (!isMarkerOfNonEmptyFolder(container, name)) {
                keep.add(name);
            }
        }
        super.removeBlobs(container, keep);
    }

    private boolean isMarkerOfNonEmptyFolder(String container, String name) {
        if (!name.endsWith("/")) {
            return false;
        }
        Path dir = baseDir.resolve(container).resolve(name).normalize();
        if (!dir.startsWith(baseDir) || !Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}

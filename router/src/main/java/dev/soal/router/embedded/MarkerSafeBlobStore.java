package dev.soal.router.embedded;

import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.util.ForwardingBlobStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * jclouds' filesystem store keeps a directory marker ({@code "dir/"}) as the folder itself, and deleting
 * the marker of a folder that still has files stalls for 10 s before it gives up (seen with S3Proxy 2.4.1
 * and jclouds 2.6). On S3, deleting a marker leaves the objects below it alone, so here that delete is
 * a no-op: same outcome, no stall. Spark's s3a deletes such markers on every job commit.
 */
final class MarkerSafeBlobStore extends ForwardingBlobStore {
    private final Path baseDir;
    private final java.util.List<EmbeddedS3.ObjectCreatedListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    MarkerSafeBlobStore(BlobStore delegate, Path baseDir) {
        super(delegate);
        this.baseDir = baseDir;
    }

    void addListener(EmbeddedS3.ObjectCreatedListener listener) {
        listeners.add(listener);
    }

    @Override
    public String putBlob(String container, org.jclouds.blobstore.domain.Blob blob) {
        String etag = super.putBlob(container, blob);
        created(container, blob, etag, "Put");
        return etag;
    }

    @Override
    public String putBlob(String container, org.jclouds.blobstore.domain.Blob blob, org.jclouds.blobstore.options.PutOptions options) {
        String etag = super.putBlob(container, blob, options);
        created(container, blob, etag, options != null && options.isMultipart() ? "CompleteMultipartUpload" : "Put");
        return etag;
    }

    @Override
    public String completeMultipartUpload(org.jclouds.blobstore.domain.MultipartUpload mpu,
                                          java.util.List<org.jclouds.blobstore.domain.MultipartPart> parts) {
        String etag = super.completeMultipartUpload(mpu, parts);
        notifyListeners(mpu.containerName(), mpu.blobName(), etag, "CompleteMultipartUpload");
        return etag;
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

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

    MarkerSafeBlobStore(BlobStore delegate, Path baseDir) {
        super(delegate);
        this.baseDir = baseDir;
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

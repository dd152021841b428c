package dev.soal.runtime;

import dev.soal.core.RunnerArgs;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The small path's I/O, done with the AWS SDK instead of S3A: a SQL job's S3 inputs are copied to local
 * disk first (parallel ranged GETs) and {@code ${input}} points at the copy; its output is written to local
 * disk and uploaded when the script has succeeded, to the {@code ${output}} the user asked for. S3A is then
 * never started unless a script names {@code s3://} paths itself, and there is no rename-based commit.
 *
 * <p>Staging applies only where it cannot change a job's meaning: inputs that fit the disk budget and whose
 * keys make safe local paths, and an output prefix that is empty (so an overwrite has nothing to replace);
 * anything else is left to S3A, as on the clusters.
 */
final class StagedIo {
    /** Part size of ranged GETs: objects larger than this are fetched in parallel parts. */
    static final long PART = 8L << 20;
    static final int THREADS = 8;

    private final S3Client s3;

    StagedIo(S3Client s3) {
        this.s3 = s3;
    }

    /** What staging did: the job's arguments as the runner sees them, and where its output goes afterwards. */
    record Staged(RunnerArgs args, Optional<S3Uri> uploadTo, Path localOutput, long inputBytes, long millis) {
    }

    /** Stages what can be staged under {@code dir}, within {@code budget} bytes of inputs. */
    Staged stage(RunnerArgs job, Path dir, long budget) {
        long t0 = System.nanoTime();
        if (job.mainClass() != null || job.scriptUri().endsWith(".jar")) {
            return new Staged(job, Optional.empty(), null, 0, 0);  // a program may use S3 URIs its own way
        }
        List<List<Copy>> plan = new ArrayList<>();
        long total = 0;
        for (String uri : job.inputUris()) {
            Optional<List<Copy>> copies = plan(uri, dir.resolve("in-" + plan.size()));
            if (copies.isEmpty()) {
                return new Staged(job, Optional.empty(), null, 0, 0);
            }
            plan.add(copies.get());
            total += copies.get().stream().mapToLong(Copy::size).sum();
            if (total > budget) {
                return new Staged(job, Optional.empty(), null, 0, 0);
            }
        }
        List<String> local = new ArrayList<>();
        try {
            fetchAll(plan.stream().flatMap(List::stream).toList());
        } catch (IOException e) {
            throw new SoalException("could not copy the inputs to " + dir + ": " + e.getMessage(), e, true);
        }
        for (int i = 0; i < plan.size(); i++) {
            Path root = dir.resolve("in-" + i);
            List<Copy> copies = plan.get(i);
            boolean single = copies.size() == 1 && !copies.get(0).fromPrefix();
            local.add(fileUri(single ? copies.get(0).to() : root));
        }
        Optional<S3Uri> upload = emptyS3Prefix(job.outputUri());
        Path out = dir.resolve("out");
        RunnerArgs staged = job.withIo(job.inputUris().isEmpty() ? job.inputUris() : local,
                upload.isPresent() ? fileUri(out) : job.outputUri());
        return new Staged(staged, upload, out, total, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * A local path as Spark takes it: {@code file://} and the path as it is, since Hadoop's Path quotes what
     * needs quoting itself (a {@code %20} from {@code Path.toUri()} would be taken literally).
     */
    static String fileUri(Path p) {
        return "file://" + p.toAbsolutePath();
    }

    private record Copy(String bucket, String key, long size, Path to, boolean fromPrefix) {
    }

    /** The objects an input names (an object, or every object under a prefix), or empty if it cannot be staged. */
    private Optional<List<Copy>> plan(String uri, Path root) {
        if (!uri.startsWith("s3://") && !uri.startsWith("s3a://")) {
            return Optional.empty();
        }
        S3Uri s = S3Uri.parse(uri.startsWith("s3a://") ? "s3://" + uri.substring("s3a://".length()) : uri);
        if (!s.key().isEmpty() && !s.key().endsWith("/")) {
            try {
                HeadObjectResponse head = s3.headObject(r -> r.bucket(s.bucket()).key(s.key()));
                String name = s.key().substring(s.key().lastIndexOf('/') + 1);
                return safeName(name) ? Optional.of(List.of(new Copy(s.bucket(), s.key(), head.contentLength(), root.resolve(name), false)))
                        : Optional.empty();
            } catch (NoSuchKeyException e) {
                // a prefix without its slash
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    return Optional.empty();
                }
            }
        }
        String prefix = s.key().isEmpty() || s.key().endsWith("/") ? s.key() : s.key() + "/";
        List<Copy> copies = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(s.bucket()).prefix(prefix)).contents()) {
            if (o.key().endsWith("/")) {
                continue; // a folder marker
            }
            String rel = o.key().substring(prefix.length());
            Path to = root;
            for (String part : rel.split("/", -1)) {
                if (!safeName(part)) {
                    return Optional.empty();
                }
                to = to.resolve(part);
            }
            copies.add(new Copy(s.bucket(), o.key(), o.size(), to, true));
        }
        return copies.isEmpty() ? Optional.empty() : Optional.of(copies);
    }

    private static boolean safeName(String part) {
        return !part.isEmpty() && !part.equals(".") && !part.equals("..") && part.indexOf('\0') < 0;
    }

    /** Fetches every object, large ones in parallel ranged parts, with {@link #THREADS} requests at a time. */
    private void fetchAll(List<Copy> copies) throws IOException {
        ExecutorService pool = pool("soal-stage");
        List<FileChannel> open = new ArrayList<>();
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (Copy c : copies) {
                Files.createDirectories(c.to().getParent());
                FileChannel ch = FileChannel.open(c.to(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                open.add(ch);
                for (long from = 0; from < c.size() || from == 0; from += PART) {
                    long start = from;
                    long end = Math.min(c.size(), from + PART) - 1;
                    parts.add(pool.submit(() -> {
                        fetchRange(c, ch, start, end);
                        return null;
                    }));
                    if (c.size() == 0) {
                        break;
                    }
                }
            }
            for (Future<?> f : parts) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IOException(cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            pool.shutdownNow();
            for (FileChannel ch : open) {
                ch.close();
            }
        }
    }

    /** {@link #THREADS} daemon threads for one staging step; shut down when it ends. */
    private static ExecutorService pool(String name) {
        return Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    private void fetchRange(Copy c, FileChannel ch, long start, long end) throws IOException {
        if (c.size() == 0) {
            return;
        }
        try (InputStream in = s3.getObject(r -> r.bucket(c.bucket()).key(c.key()).range("bytes=" + start + "-" + end),
                ResponseTransformer.toInputStream())) {
            byte[] buf = new byte[256 << 10];
            long pos = start;
            int n;
            while ((n = in.read(buf)) > 0) {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    pos += ch.write(bb, pos);
                }
            }
            if (pos != end + 1) {
                throw new IOException("s3://" + c.bucket() + "/" + c.key() + " bytes " + start + "-" + end + " ended at " + pos);
            }
        }
    }

    /** The output as an S3 prefix when it is one and holds nothing yet. */
    private Optional<S3Uri> emptyS3Prefix(String outputUri) {
        if (outputUri == null || !outputUri.startsWith("s3://")) {
            return Optional.empty();
        }
        S3Uri out = S3Uri.parse(outputUri);
        String prefix = out.key().isEmpty() || out.key().endsWith("/") ? out.key() : out.key() + "/";
        try {
            boolean empty = s3.listObjectsV2(r -> r.bucket(out.bucket()).prefix(prefix).maxKeys(1)).contents().isEmpty();
            return empty ? Optional.of(S3Uri.parse("s3://" + out.bucket() + "/" + prefix)) : Optional.empty();
        } catch (S3Exception e) {
            return Optional.empty();
        }
    }

    /** Uploads what the job wrote locally (Spark's checksum files aside); returns the number of objects. */
    int upload(Path local, S3Uri to) {
        if (!Files.isDirectory(local)) {
            return 0;
        }
        ExecutorService pool = pool("soal-upload");
        try (Stream<Path> files = Files.walk(local)) {
            List<Future<?>> puts = new ArrayList<>();
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".crc")).toList()) {
                String key = to.key() + local.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                puts.add(pool.submit(() -> s3.putObject(r -> r.bucket(to.bucket()).key(key), RequestBody.fromFile(f))));
            }
            for (Future<?> put : puts) {
                put.get();
            }
            return puts.size();
        } catch (IOException | ExecutionException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new SoalException("the job succeeded but its output could not be uploaded to " + to + ": "
                    + cause.getMessage(), cause, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SoalException("interrupted while uploading the output to " + to, e, true);
        } finally {
            pool.shutdownNow();
            awaitQuietly(pool); // no PUT still in flight once the failure is reported (a spill-over lists the output next)
        }
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                System.err.println("uploads still running after 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

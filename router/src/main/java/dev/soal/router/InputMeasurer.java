package dev.soal.router;

import dev.soal.core.JobRejectedException;
import dev.soal.core.Deadline;
import dev.soal.core.InputFormats;
import dev.soal.core.Measurement;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sums the bytes of a job's inputs: HeadObject for a key, paginated ListObjectsV2 for a prefix (a URI
 * ending in '/'), at most {@code parallelism} inputs at a time, within a time budget. A missing input
 * rejects the job: nothing has been submitted.
 */
public final class InputMeasurer implements AutoCloseable {
    public static final int DEFAULT_PARALLELISM = 8;
    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(60);

    private final S3Client s3;
    private final ExecutorService pool;
    private final Duration budget;

    public InputMeasurer(S3Client s3, int parallelism, Duration budget) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, but was " + parallelism);
        }
        this.s3 = s3;
        this.budget = budget;
        this.pool = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "soal-measure");
            t.setDaemon(true);
            return t;
        });
    }

    /** What one input holds: its bytes and objects, and its bytes by format ({@link InputFormats}). */
    private record Size(long bytes, long objects, Map<String, Long> byFormat) {
    }

    public Measurement measure(List<String> inputUris) {
        long t0 = System.nanoTime();
        List<Future<Size>> futures = new ArrayList<>();
        for (String uri : inputUris) {
            S3Uri parsed = S3Uri.parse(uri);
            futures.add(pool.submit(() -> parsed.isPrefix() ? nonEmpty(parsed, prefix(parsed)) : object(parsed)));
        }
        // the request's deadline, when it comes sooner than this measurer's own budget
        Duration within = Deadline.current().cap(budget);
        long deadline = System.nanoTime() + within.toNanos();
        long bytes = 0;
        long objects = 0;
        Map<String, Long> byFormat = new TreeMap<>();
        try {
            for (Future<Size> f : futures) {
                Size s = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                bytes += s.bytes();
                objects += s.objects();
                s.byFormat().forEach((k, v) -> byFormat.merge(k, v, Long::sum));
            }
        } catch (TimeoutException e) {
            futures.forEach(f -> f.cancel(true));
            throw within.equals(budget)
                    ? new SoalException("measuring " + inputUris.size() + " input(s) took longer than " + budget, e, true)
                    : new Deadline.Exceeded(Deadline.current(), "measuring " + inputUris.size() + " input(s)");
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new SoalException("measuring inputs failed: " + e.getCause(), e.getCause(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SoalException("interrupted while measuring inputs", e, true);
        }
        return new Measurement(bytes, objects, (System.nanoTime() - t0) / 1_000_000, byFormat);
    }

    /**
     * What the output location holds that was written since {@code since} ({@link dev.soal.adapters.s3.OutputLocation}):
     * a spill-over needs it to hold nothing from the failed attempt.
     */
    public java.util.Optional<String> outputWrittenSince(String outputUri, java.time.Instant since) {
        return dev.soal.adapters.s3.OutputLocation.writtenSince(s3, outputUri, since);
    }

    /**
     * Checks that the script exists (HeadObject): a job whose script is missing is refused at the door. Returns its
     * version (S3's ETag, which changes with its content), which keys its run history.
     */
    public String requireScript(String scriptUri) {
        S3Uri uri = S3Uri.parse(scriptUri);
        try {
            return s3.headObject(r -> r.bucket(uri.bucket()).key(uri.key())).eTag();
        } catch (NoSuchKeyException e) {
            throw new JobRejectedException("script " + uri + " does not exist");
        } catch (S3Exception e) {
            throw failure("script", uri, e);
        }
    }

    private Size object(S3Uri uri) {
        try {
            HeadObjectResponse head = s3.headObject(r -> r.bucket(uri.bucket()).key(uri.key()));
            return new Size(head.contentLength(), 1, Map.of(InputFormats.of(uri.key()), head.contentLength()));
        } catch (NoSuchKeyException e) {
            // "s3://b/dir" may name a folder written without its trailing slash (as Spark writes them)
            Size asPrefix = prefix(uri.resolve(""));
            if (asPrefix.objects() > 0) {
                return asPrefix;
            }
            throw new JobRejectedException("input " + uri + " does not exist");
        } catch (S3Exception e) {
            throw failure("input", uri, e);
        }
    }

    private Size prefix(S3Uri uri) {
        long bytes = 0;
        long objects = 0;
        Map<String, Long> byFormat = new TreeMap<>();
        try {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(r -> r.bucket(uri.bucket()).prefix(uri.key()))) {
                for (S3Object o : page.contents()) {
                    if (!o.key().endsWith("/")) {
                        bytes += o.size();
                        objects++;
                        byFormat.merge(InputFormats.of(o.key()), o.size(), Long::sum);
                    }
                }
            }
        } catch (S3Exception e) {
            throw failure("input", uri, e);
        }
        return new Size(bytes, objects, byFormat);
    }

    private static Size nonEmpty(S3Uri uri, Size size) {
        if (size.objects() == 0) {
            throw new JobRejectedException("input prefix " + uri + " holds no objects");
        }
        return size;
    }

    /** What an S3 error while looking at the script or an input means: the caller's fault, or a retryable one. */
    private static RuntimeException failure(String what, S3Uri uri, S3Exception e) {
        if (e instanceof NoSuchBucketException || e.statusCode() == 404) {
            return new JobRejectedException(what + " " + uri + ": bucket '" + uri.bucket() + "' does not exist");
        }
        if (e.statusCode() == 403) {
            return new JobRejectedException(what + " " + uri + ": access denied");
        }
        return new SoalException("reading " + what + " " + uri + " failed [status=" + e.statusCode() + "]", e,
                e.statusCode() >= 500 || e.statusCode() == 429);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}

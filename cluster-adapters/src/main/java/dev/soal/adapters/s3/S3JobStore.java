package dev.soal.adapters.s3;

import dev.soal.core.Deadline;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.Json;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The job store on S3. Every guarantee between processes rests on S3's conditional writes
 * ({@code If-None-Match: *} to create, {@code If-Match: <etag>} to change); there is no lock.
 *
 * <pre>
 * jobs/&lt;id&gt;.json                 the job record
 * idempotency/&lt;sha256(key)&gt;.json  the key's claim: status, the request's fingerprint, a lease, the whole job
 * index/&lt;STATE&gt;/&lt;partition&gt;/&lt;inverted createdAt&gt;-&lt;id&gt;   one empty object per job in its current state
 * </pre>
 *
 * <p><b>One write decides.</b> A job with an idempotency key is created by claiming the key in one
 * conditional write that carries the job itself (as Lambda Powertools' idempotency records do). The
 * record and its index entry follow; a creator that dies between those writes blocks nobody: the next
 * request with the key finds the claim, waits out its lease, and finishes the creation of the same job.
 *
 * <p><b>The index</b> lets listings by state and the reconciler's sweep read only what they need. An
 * entry for the new state is written before the record changes and the old one deleted after, so a job
 * is always listed under its state; an entry left by a crash is skipped on read (and removed once the
 * job has ended, when its state can no longer change).
 */
public final class S3JobStore implements JobStore {
    /** How long other requests with the same key wait for a creator before they finish its creation. */
    public static final Duration DEFAULT_CREATE_LEASE = Duration.ofSeconds(10);
    static final int MAX_UPDATE_ATTEMPTS = 12;
    static final String IN_PROGRESS = "IN_PROGRESS";
    static final String COMPLETED = "COMPLETED";
    private static final Set<JobState> UNFINISHED = EnumSet.of(JobState.QUEUED, JobState.RUNNING, JobState.CANCELLING);
    private static final long INVERT = 9_999_999_999_999L;

    /**
     * The claim of an idempotency key.
     *
     * @param status      IN_PROGRESS until the job record exists, then COMPLETED
     * @param fingerprint {@link dev.soal.core.JobRequest#fingerprint()} of the request that claimed the key
     * @param leaseUntil  until when the claimer may still be writing the record
     * @param job         the job the key names
     */
    public record IdempotencyRecord(String status, String fingerprint, Instant leaseUntil, JobRecord job) {
    }

    private final S3Client s3;
    private final S3Uri base;
    private final Clock clock;
    private final Duration createLease;
    private final ExecutorService readers;
    /**
     * Records of ended jobs, kept for a minute: their state never changes again, but another process may
     * still add the run's cost or handle; this process's own updates refresh them at once.
     */
    private final java.util.Map<String, Kept> ended = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(1_024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Kept> eldest) {
                    return size() > ENDED_CACHE;
                }
            });
    static final int ENDED_CACHE = 20_000;
    static final Duration ENDED_TTL = Duration.ofSeconds(60);

    private record Kept(JobRecord job, long since) {
    }

    /** The run history beside the jobs: {@code _history/} under the store's prefix ({@link S3RunHistory}). */
    @Override
    public dev.soal.core.RunHistory history() {
        return new S3RunHistory(s3, base.resolve("_history/"));
    }

    public S3JobStore(S3Client s3, S3Uri base) {
        this(s3, base, Clock.systemUTC(), DEFAULT_CREATE_LEASE);
    }

    public S3JobStore(S3Client s3, S3Uri base, Clock clock, Duration createLease) {
        this.s3 = s3;
        this.base = base;
        this.clock = clock;
        this.createLease = createLease;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "soal-store-read");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.readers = pool;
    }

    public S3Uri base() {
        return base;
    }

    @Override
    public CreateOutcome create(JobRecord job, String idempotencyKey, String fingerprint) {
        if (idempotencyKey == null) {
            if (!recordIfAbsent(job)) {
                throw new SoalException("job id " + job.id() + " is taken", true);
            }
            return new CreateOutcome.Created(job);
        }
        String markerKey = base.resolve("idempotency/" + dev.soal.core.Hashes.sha256(idempotencyKey) + ".json").key();
        long waitUntil = System.nanoTime() + createLease.toNanos() + 2_000_000_000L;
        while (true) {
            IdempotencyRecord mine = new IdempotencyRecord(IN_PROGRESS, fingerprint, clock.instant().plus(createLease), job);
            Optional<String> etag = put(markerKey, Json.write(mine), null, true);
            if (etag.isPresent()) {
                recordIfAbsent(job);
                // best effort: the record's existence already says the creation completed
                put(markerKey, Json.write(new IdempotencyRecord(COMPLETED, fingerprint, mine.leaseUntil(), job)), etag.get(), false);
                return new CreateOutcome.Created(job);
            }
            Optional<IdempotencyRecord> theirs = read(markerKey).map(b -> Json.read(b.asUtf8String(), IdempotencyRecord.class));
            if (theirs.isEmpty()) {
                continue; // removed between our two calls (a lifecycle rule): claim it again
            }
            IdempotencyRecord claim = theirs.get();
            Optional<JobRecord> recorded = get(claim.job().id());
            if (!claim.fingerprint().equals(fingerprint)) {
                return new CreateOutcome.Conflict(recorded.orElse(claim.job()));
            }
            // the claimer may be between its writes: wait for its record while its lease lasts, and the request's deadline
            Deadline deadline = Deadline.current();
            while (recorded.isEmpty() && claim.leaseUntil().isAfter(clock.instant()) && System.nanoTime() < waitUntil) {
                deadline.check("waiting for another request's creation of the job with this idempotency key");
                sleep(25 + ThreadLocalRandom.current().nextInt(50));
                recorded = get(claim.job().id());
            }
            if (recorded.isPresent()) {
                return new CreateOutcome.Existing(recorded.get());
            }
            // the claimer stopped between its writes: finish creating the job it claimed
            if (recordIfAbsent(claim.job())) {
                return new CreateOutcome.Created(claim.job());
            }
            return new CreateOutcome.Existing(get(claim.job().id()).orElse(claim.job()));
        }
    }

    /** Writes the index entry, then the record if there is none; true when this call wrote the record. */
    private boolean recordIfAbsent(JobRecord job) {
        putIndex(job);
        return put(jobKey(job.id()), Json.write(job), null, true).isPresent();
    }

    @Override
    public Optional<JobRecord> get(String jobId) {
        Kept known = ended.get(jobId);
        if (known != null && System.nanoTime() - known.since() < ENDED_TTL.toNanos()) {
            return Optional.of(known.job());
        }
        Optional<JobRecord> j = read(jobKey(jobId)).map(b -> Json.read(b.asUtf8String(), JobRecord.class));
        j.ifPresent(this::remember);
        return j;
    }

    @Override
    public JobRecord update(String jobId, UnaryOperator<JobRecord> change) {
        String key = jobKey(jobId);
        for (int attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
            ResponseBytes<GetObjectResponse> current = read(key).orElseThrow(
                    () -> new SoalException("no such job: " + jobId, false));
            JobRecord before = Json.read(current.asUtf8String(), JobRecord.class);
            JobRecord after = JobStore.checkedMove(before, change.apply(before));
            if (after.equals(before)) {
                remember(before);
                return before;
            }
            boolean moved = after.state() != before.state();
            if (moved) {
                putIndex(after);
            }
            if (put(key, Json.write(after), current.response().eTag(), false).isPresent()) {
                // a spill-over goes back to QUEUED and comes back to RUNNING on its cluster: its RUNNING entry stays (skipped
                // on read while the job is QUEUED), so a late delete can never remove the entry of the cluster's run
                boolean spill = after.spilledFrom() != null && before.spilledFrom() == null;
                if (moved && !spill) {
                    delete(indexKey(before));
                }
                remember(after);
                return after;
            }
            sleep(ThreadLocalRandom.current().nextInt(5, 10 + 10 * attempt));
        }
        throw new SoalException("job " + jobId + " kept changing under us; gave up after "
                + MAX_UPDATE_ATTEMPTS + " attempts", true);
    }

    @Override
    public Page list(JobState state, int limit, String pageToken) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, but was " + limit);
        }
        List<JobState> states = state == null ? List.of(JobState.values()) : List.of(state);
        String after = pageToken == null ? null : decodeToken(pageToken);
        List<JobRecord> out = new ArrayList<>();
        for (int round = 0; round < 20 && out.size() < limit; round++) {
            // the next candidates of every state, merged newest first (the suffix orders them)
            TreeMap<String, JobState> candidates = new TreeMap<>();
            boolean more = false;
            int want = limit - out.size() + 8;
            for (JobState s : states) {
                Listed listed = entries(s, after, want);
                listed.suffixes().forEach(x -> candidates.put(x, s));
                more |= listed.more();
            }
            if (candidates.isEmpty()) {
                return new Page(out, null);
            }
            List<String> batch = new ArrayList<>(candidates.keySet()).subList(0, Math.min(want, candidates.size()));
            // without a state filter a job is listed whatever its record says (it may have two entries while it moves)
            List<JobRecord> found = fetch(batch.stream().map(k -> new Entry(state == null ? null : candidates.get(k), k)).toList());
            int consumed = 0;
            for (int i = 0; i < batch.size() && out.size() < limit; i++) {
                after = batch.get(i);
                consumed++;
                if (found.get(i) != null) {
                    out.add(found.get(i));
                }
            }
            if (out.size() >= limit) {
                return new Page(out, more || consumed < candidates.size() ? encodeToken(after) : null);
            }
            if (!more && consumed == candidates.size()) {
                return new Page(out, null);
            }
        }
        return new Page(out, after == null ? null : encodeToken(after));
    }

    /** Index entries listed for one state: their suffixes, newest first, and whether more follow. */
    private record Listed(List<String> suffixes, boolean more) {
    }

    /**
     * Up to {@code want} entries of {@code state} after {@code after} (null: from the newest), newest
     * first. Entries live in partitions of about 2.8 hours ({@code index/<STATE>/<partition>/<suffix>}),
     * listed one at a time from the one that holds {@code after}: a page reads what it returns, not
     * every entry of the state (S3-compatible stores that keep keys as files list a folder whole).
     */
    private Listed entries(JobState state, String after, int want) {
        String prefix = indexPrefix(state);
        List<String> partitions = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListObjectsV2Response page = listing(r -> r.bucket(base.bucket()).prefix(prefix).delimiter("/").continuationToken(t), prefix);
            page.commonPrefixes().forEach(p -> partitions.add(p.prefix().substring(prefix.length(), p.prefix().length() - 1)));
            token = page.isTruncated() ? page.nextContinuationToken() : null;
        } while (token != null);
        partitions.sort(Comparator.naturalOrder());
        String from = after == null ? null : partition(after);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < partitions.size(); i++) {
            String p = partitions.get(i);
            if (from != null && p.compareTo(from) < 0) {
                continue;
            }
            String folder = prefix + p + "/";
            String startAfter = from != null && p.equals(from) ? folder + after : null;
            int left = want - out.size();
            ListObjectsV2Response page = listing(r -> r.bucket(base.bucket()).prefix(folder).maxKeys(left)
                    .startAfter(startAfter), folder);
            page.contents().stream().map(S3Object::key).filter(k -> !k.endsWith("/"))
                    .forEach(k -> out.add(k.substring(folder.length())));
            if (out.size() >= want) {
                return new Listed(out, page.isTruncated() || i < partitions.size() - 1);
            }
        }
        return new Listed(out, false);
    }

    @Override
    public List<JobRecord> unfinished(int max, Instant createdBefore) {
        List<Entry> entries = new ArrayList<>();
        // entries sort newest first: start after the ones created at or after createdBefore
        String from = createdBefore.equals(Instant.MAX) ? null
                : String.format("%013d-~", INVERT - Math.min(INVERT, createdBefore.toEpochMilli()));
        for (JobState s : UNFINISHED) {
            entries(s, from, max).suffixes().forEach(x -> entries.add(new Entry(s, x)));
        }
        entries.sort(Comparator.comparing(Entry::suffix)); // newest first
        List<JobRecord> out = new ArrayList<>();
        for (JobRecord j : fetch(entries.subList(0, Math.min(entries.size(), max)))) {
            if (j != null) {
                out.add(j);
            }
        }
        return out;
    }

    /**
     * Keeps the record of an ended job: its state never changes again. Only its cost may still be
     * added (by whoever refreshes it); an update, which always reads the stored record, brings it here.
     */
    private void remember(JobRecord j) {
        if (j.state().isTerminal()) {
            ended.put(j.id(), new Kept(j, System.nanoTime()));
        } else {
            ended.remove(j.id());
        }
    }

    /** One index entry: the state it lists the job under (null: any), and its key below that state. */
    private record Entry(JobState state, String suffix) {
        String jobId() {
            return suffix.substring(suffix.indexOf('-') + 1);
        }
    }

    /** The records the entries name, in order; null where an entry is stale (the job is in another state, or gone). */
    private List<JobRecord> fetch(List<Entry> entries) {
        List<CompletableFuture<JobRecord>> futures = entries.stream().map(e -> CompletableFuture.supplyAsync(() -> {
            Optional<JobRecord> j = get(e.jobId());
            if (j.isPresent() && (e.state() == null || j.get().state() == e.state())) {
                return j.get();
            }
            if (j.isPresent() && j.get().state().isTerminal() && e.state() != null) {
                delete(entryKey(e.state(), e.suffix())); // a crash left it; the job can never return to that state
            }
            return null;
        }, readers)).toList();
        List<JobRecord> out = new ArrayList<>();
        for (CompletableFuture<JobRecord> f : futures) {
            try {
                out.add(f.join());
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
        }
        return out;
    }

    private void putIndex(JobRecord job) {
        put(indexKey(job), "", null, true); // 412: already there
    }

    private String indexKey(JobRecord job) {
        return entryKey(job.state(), suffix(job));
    }

    private String entryKey(JobState state, String suffix) {
        return indexPrefix(state) + partition(suffix) + "/" + suffix;
    }

    /** The partition of an entry: the first 6 of the 13 digits of its inverted creation time (about 2.8 hours). */
    private static String partition(String suffix) {
        return suffix.substring(0, 6);
    }

    private String indexPrefix(JobState state) {
        return base.resolve("index/" + state.name() + "/").key();
    }

    private static String suffix(JobRecord job) {
        long created = job.createdAt() == null ? 0 : job.createdAt().toEpochMilli();
        return String.format("%013d-%s", INVERT - created, job.id());
    }

    private static String encodeToken(String suffix) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(suffix.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (!s.matches("\\d{13}-[A-Za-z0-9._-]{1,128}")) {
                throw new IllegalArgumentException("bad token");
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new JobStore.InvalidPageTokenException("nextToken is not one this store gave out: '"
                    + (token.length() > 60 ? token.substring(0, 57) + "..." : token) + "'");
        }
    }

    /** The sweep cursor: one small object, last writer wins (two overlapping sweeps only look at jobs twice). */
    private record SweepCursor(Instant createdBefore) {
    }

    @Override
    public Optional<Instant> sweepCursor() {
        return read(base.resolve("sweep/cursor.json").key())
                .map(b -> Json.read(b.asUtf8String(), SweepCursor.class).createdBefore());
    }

    @Override
    public void sweepCursor(Instant createdBefore) {
        String key = base.resolve("sweep/cursor.json").key();
        if (createdBefore == null) {
            try {
                s3.deleteObject(r -> r.bucket(base.bucket()).key(key));
            } catch (software.amazon.awssdk.core.exception.SdkException e) {
                throw unreachable("delete", key, e);
            }
        } else {
            put(key, Json.write(new SweepCursor(createdBefore)), null, false);
        }
    }

    private String jobKey(String jobId) {
        if (!jobId.matches("[A-Za-z0-9._-]{1,128}") || jobId.contains("..")) {
            throw new IllegalArgumentException("job id must be 1-128 letters, digits, '.', '_' or '-', but was '" + jobId + "'");
        }
        return base.resolve("jobs/" + jobId + ".json").key();
    }

    private Optional<ResponseBytes<GetObjectResponse>> read(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(r -> r.bucket(base.bucket()).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw wrap("read", key, e);
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw unreachable("read", key, e);
        }
    }

    /**
     * Puts {@code body} if the condition holds ({@code ifMatch} etag, or {@code ifNoneMatch}); the new
     * ETag, or empty when the condition failed (412, a conflicting concurrent write's 409, or If-Match
     * on a key that is gone).
     */
    private Optional<String> put(String key, String body, String ifMatch, boolean ifNoneMatch) {
        try {
            return ConditionalPut.put(s3, base.bucket(), key, body, ifMatch, ifNoneMatch);
        } catch (S3Exception e) {
            throw wrap("write", key, e);
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw unreachable("write", key, e);
        }
    }

    private void delete(String key) {
        try {
            s3.deleteObject(r -> r.bucket(base.bucket()).key(key));
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            // an index entry left behind is skipped on read
        }
    }

    /** The store could not be reached (a connection refused, a timeout): try again later. */
    private SoalException unreachable(String op, String key, software.amazon.awssdk.core.exception.SdkException e) {
        return new SoalException("job store " + op + " failed [bucket=" + base.bucket() + ", key=" + key + "]: "
                + e.getMessage(), e, true);
    }

    /** Lists, with S3's errors said as the store's. */
    private ListObjectsV2Response listing(java.util.function.Consumer<software.amazon.awssdk.services.s3.model.ListObjectsV2Request.Builder> request,
                                          String prefix) {
        try {
            return s3.listObjectsV2(request);
        } catch (S3Exception e) {
            throw wrap("list", prefix, e);
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw unreachable("list", prefix, e);
        }
    }

    private SoalException wrap(String op, String key, S3Exception e) {
        boolean retryable = e.statusCode() >= 500 || e.statusCode() == 429;
        return new SoalException("job store " + op + " failed [bucket=" + base.bucket() + ", key=" + key
                + ", status=" + e.statusCode() + ", code=" + (e.awsErrorDetails() == null ? "?" : e.awsErrorDetails().errorCode())
                + "]", e, retryable);
    }


    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SoalException("interrupted", e, true);
        }
    }
}

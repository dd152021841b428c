package dev.soal.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What past runs of a script took, by the script's content and the shape of its inputs ({@link Key}): the router reads
 * it before deciding (one read, at most {@link #KEPT} runs and the largest that succeeded on Lambda), and whoever counts a job's end adds the run. Kept beside
 * the job store (in S3, one small object per key).
 */
public interface RunHistory {
    /** Runs kept per key, newest first. */
    int KEPT = 20;

    /** The runs of {@code key}, newest first (none when the history holds nothing, or cannot be read). */
    List<PastRun> recent(Key key);

    /** Adds a run (a run already there, by job id, is kept once). */
    void record(Key key, PastRun run);

    /**
     * A script and the shape of its inputs: the script's version (its content's tag, S3's ETag), where its first
     * input lies with the digits of its path left out (so {@code dt=2026-12-07/} and {@code dt=2026-12-08/} are one
     * shape) and the format most of its bytes are in. Sizes are kept in the runs, to compare with.
     */
    record Key(String script, String scriptVersion, String inputs, String format) {
        private static final Pattern DIGITS = Pattern.compile("[0-9]+");

        /** The key of a measured request; null when the script's version was not measured. */
        public static Key of(JobRequest request, Measurement measured) {
            if (measured == null || measured.scriptVersion() == null) {
                return null;
            }
            String first = request.inputUris().isEmpty() ? "" : request.inputUris().get(0);
            String parent = first.endsWith("/") ? first : first.substring(0, first.lastIndexOf('/') + 1);
            return new Key(request.scriptUri(), measured.scriptVersion(), DIGITS.matcher(parent).replaceAll("#"),
                    measured.mainFormat());
        }

        /** A name for the key that any store can use as a file name. */
        public String id() {
            return Hashes.sha256(script + "\n" + scriptVersion + "\n" + inputs + "\n" + format).substring(0, 32);
        }
    }

    /** Keeps nothing: no history, and decisions by the policies alone. */
    RunHistory NONE = new RunHistory() {
        @Override
        public List<PastRun> recent(Key key) {
            return List.of();
        }

        @Override
        public void record(Key key, PastRun run) {
        }
    };

    /**
     * Adds an ended job to its store's history, under its key (nothing when it has none: a script whose version was not
     * measured, a stream batch). Called by whoever counts the end ({@link JobOutcomes}), so each job once; a history
     * that cannot be written is no reason to fail the job's end.
     */
    static void recordEnd(JobStore store, JobRecord ended) {
        Key key = Key.of(ended.request(), ended.measurement());
        if (key == null || !ended.state().isTerminal()) {
            return;
        }
        long asRead = ended.decision().inputBytesAsRead() > 0 ? ended.decision().inputBytesAsRead()
                : ended.measurement().totalBytes();
        try {
            store.history().record(key, PastRun.of(ended, asRead));
        } catch (RuntimeException e) {
            System.err.println("job " + ended.id() + " not added to the run history: " + e.getMessage());
        }
    }

    /**
     * The runs with {@code run} added: newest first, one per job, the newest {@link #KEPT}, and the largest run that
     * succeeded on Lambda (by bytes as read) when it is older than those: how far Lambda is known to reach.
     */
    static List<PastRun> with(List<PastRun> runs, PastRun run) {
        List<PastRun> all = new ArrayList<>(runs.stream().filter(r -> !r.jobId().equals(run.jobId())).toList());
        all.add(run);
        all.sort(Comparator.comparing(PastRun::endedAt).reversed());
        List<PastRun> out = new ArrayList<>(all.subList(0, Math.min(KEPT, all.size())));
        all.stream().filter(r -> r.backend() == Backend.LAMBDA && r.outcome() == JobState.SUCCEEDED)
                .max(Comparator.comparingLong(PastRun::estimatedBytes))
                .filter(largest -> !out.contains(largest)).ifPresent(out::add);
        return List.copyOf(out);
    }

    /** A history in this process's memory (tests of code above the history). */
    final class InMemory implements RunHistory {
        private final Map<String, List<PastRun>> runs = new ConcurrentHashMap<>();

        @Override
        public List<PastRun> recent(Key key) {
            return runs.getOrDefault(key.id(), List.of());
        }

        @Override
        public void record(Key key, PastRun run) {
            runs.merge(key.id(), List.of(run), (a, b) -> with(a, run));
        }
    }
}

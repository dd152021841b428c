package dev.soal.runtime;

import dev.soal.core.S3Uri;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A long-lived session's event log, mirrored to the shared prefix after each job. Lambda's session lives as long as
 * its environment, one Spark application for all the jobs it runs; S3 shows an object only once it is whole, so the
 * session writes a rolling event log ({@code eventlog_v2_<app>/events_<n>_<app>}, and {@code appstatus_<app>.inprogress}
 * while it runs) to local disk, and this copies what changed since the last time and removes what the session
 * removed (the in-progress mark, once it ends). The History Server then shows each job's queries after it ends.
 *
 * <pre>{@code
 * EventLogShipper logs = new EventLogShipper(s3, tmp.resolve("spark-events"), S3Uri.parse("s3://out/soal-logs/spark-events/"));
 * logs.ship(); // after each job
 * }</pre>
 */
final class EventLogShipper {
    /** Rolled files of this size at most: Spark's smallest allowed, so a job's upload stays small. */
    static final String MAX_FILE_SIZE = "10m";

    private final S3Client s3;
    private final Path local;
    private final S3Uri target;
    /** What was shipped, by path under {@code local}: size and modification time. */
    private final Map<String, String> shipped = new HashMap<>();

    EventLogShipper(S3Client s3, Path local, S3Uri target) {
        this.s3 = s3;
        this.local = local;
        this.target = target;
    }

    /** The session settings that write its event log where this ships it from. */
    Map<String, String> settings() {
        Map<String, String> c = new java.util.LinkedHashMap<>(dev.soal.core.SparkEventLogs.conf(local.toUri().toString()));
        c.put("spark.eventLog.rolling.enabled", "true");
        c.put("spark.eventLog.rolling.maxFileSize", MAX_FILE_SIZE);
        return c;
    }

    /** Creates the local folder Spark writes into (it must exist before the session starts). */
    void prepare() {
        try {
            Files.createDirectories(local);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + local, e);
        }
    }

    /**
     * Copies new and changed files; a rolled-over file (an older {@code events_<n>_} of an application), once copied,
     * leaves the local disk; an application's in-progress mark that is gone locally (it ended) is deleted from S3.
     * Answers how many objects it wrote or deleted.
     */
    synchronized int ship() {
        if (!Files.isDirectory(local)) {
            return 0;
        }
        Set<String> present = new HashSet<>();
        Map<Path, List<Path>> eventFiles = new HashMap<>();
        int changes = 0;
        try (Stream<Path> files = Files.walk(local)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") || name.endsWith(".crc")) {
                    continue; // Hadoop's local checksums
                }
                String rel = rel(f);
                present.add(rel);
                if (name.startsWith("events_")) {
                    eventFiles.computeIfAbsent(f.getParent(), d -> new java.util.ArrayList<>()).add(f);
                }
                String signature = Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis();
                if (!signature.equals(shipped.get(rel))) {
                    S3Uri to = target.resolve(rel);
                    s3.putObject(r -> r.bucket(to.bucket()).key(to.key()), RequestBody.fromFile(f));
                    shipped.put(rel, signature);
                    changes++;
                }
            }
            for (List<Path> files2 : eventFiles.values()) {
                files2.sort(java.util.Comparator.comparingLong(EventLogShipper::index));
                for (Path older : files2.subList(0, files2.size() - 1)) {
                    Files.deleteIfExists(older); // Spark writes the newest only; this one is in S3 as it is
                    shipped.remove(rel(older));
                    present.remove(rel(older));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the event log under " + local, e);
        }
        for (String gone : List.copyOf(shipped.keySet())) {
            if (!present.contains(gone)) {
                shipped.remove(gone);
                if (gone.substring(gone.lastIndexOf('/') + 1).startsWith("appstatus_") && gone.endsWith(".inprogress")) {
                    S3Uri at = target.resolve(gone);
                    s3.deleteObject(r -> r.bucket(at.bucket()).key(at.key()));
                    changes++;
                }
            }
        }
        return changes;
    }

    private String rel(Path f) {
        return local.relativize(f).toString().replace(java.io.File.separatorChar, '/');
    }

    /** {@code n} of {@code events_<n>_<app>[.codec]}. */
    static long index(Path eventFile) {
        String name = eventFile.getFileName().toString();
        int end = name.indexOf('_', "events_".length());
        try {
            return Long.parseLong(name.substring("events_".length(), end < 0 ? name.length() : end));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}

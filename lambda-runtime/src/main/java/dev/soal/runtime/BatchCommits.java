package dev.soal.runtime;

import dev.soal.core.Json;
import org.apache.iceberg.exceptions.CleanableFailure;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Exactly once into Iceberg tables for stream batches. Delivery is at least once (retries, bisected halves, a
 * crashed environment), so every commit a batch's script makes carries the batch in its snapshot summary:
 * {@code soal.batch} (its identity), {@code soal.job}, and {@code soal.positions}, each source partition's first and
 * last position. {@link OnceCatalog} checks these inside the commit, on every attempt of Iceberg's commit retry
 * (so two environments running one batch cannot both commit): against the table's properties
 * {@code soal.position.<source>.<stream>.<partition>@<where>}, the last position committed per partition, which the
 * same commit advances, atomically with the data (with {@code soal.position-run.<...>}, the run that advanced it).
 * <ul>
 *   <li>every partition's records at or below the committed position: the batch is already in the table, and the
 *   commit is refused with {@link AlreadyCommitted}; the runner counts the statement as done;</li>
 *   <li>every partition's records above it (or no position yet): the commit goes ahead and advances them;</li>
 *   <li>otherwise (a batch cut differently from one already committed): {@link PartlyCommitted}, the batch fails
 *   naming the table, and nothing of it is committed.</li>
 * </ul>
 * This needs one batch in flight per partition, which holds for Kafka and for Kinesis with a parallelization factor
 * of 1 (the policies refuse more).
 */
final class BatchCommits {
    static final String BATCH = "soal.batch";
    static final String JOB = "soal.job";
    static final String POSITIONS = "soal.positions";
    static final String RUN = "soal.run";
    static final String POSITION_PREFIX = "soal.position.";
    /** The run that last advanced a partition's position: its later statements may write the same table again. */
    static final String POSITION_RUN_PREFIX = "soal.position-run.";

    private BatchCommits() {
    }

    /**
     * Runs {@code work} with every Iceberg commit it makes on this thread carrying the batch and this run of it (a
     * script may write one table in several statements: the run's later commits pass; a replay is another run).
     */
    static <T> T during(StreamBatch batch, String jobId, Callable<T> work) throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(BATCH, batch.identity());
        props.put(JOB, jobId);
        props.put(RUN, java.util.UUID.randomUUID().toString());
        Map<String, String> positions = new LinkedHashMap<>();
        batch.spans().forEach((p, s) -> positions.put(key(batch, p), s.first() + ".." + s.last()));
        props.put(POSITIONS, Json.write(positions));
        return org.apache.iceberg.spark.CommitMetadata.withCommitProperties(props, work, Exception.class);
    }

    /**
     * The partition's name in table properties: {@code <source>.<stream>.<partition>@<where>}, {@code where} a short
     * hash of the stream's ARN or the cluster's (or its bootstrap servers, sorted): one topic name on two clusters, or
     * one stream name in two accounts or regions, are two partitions.
     */
    static String key(StreamBatch batch, String partition) {
        String where = batch.arn() != null ? batch.arn()
                : String.join(",", new java.util.TreeSet<>(java.util.List.of(String.valueOf(batch.servers()).split("\\s*,\\s*"))));
        String hash = dev.soal.core.Hashes.sha256(where).substring(0, 8);
        return batch.source() + "." + batch.stream() + "." + partition + "@" + hash;
    }

    /** The ranges a snapshot summary names, by partition key; empty for a commit that is not a batch's. */
    static Map<String, BigInteger[]> ranges(Map<String, String> summary) {
        String json = summary == null ? null : summary.get(POSITIONS);
        if (json == null) {
            return Map.of();
        }
        Map<String, BigInteger[]> out = new LinkedHashMap<>();
        Json.read(json, Map.class).forEach((k, v) -> {
            String[] fl = v.toString().split("\\.\\.");
            out.put(k.toString(), new BigInteger[]{new BigInteger(fl[0]), new BigInteger(fl[1])});
        });
        return out;
    }

    /** The commit would add a batch the table already holds: nothing is committed again. */
    static final class AlreadyCommitted extends RuntimeException implements CleanableFailure {
        AlreadyCommitted(String message) {
            super(message);
        }
    }

    /** The batch overlaps what the table holds without matching it: nothing of it is committed. */
    static final class PartlyCommitted extends RuntimeException implements CleanableFailure {
        PartlyCommitted(String message) {
            super(message);
        }
    }

    /** The first {@link AlreadyCommitted} in {@code e}'s causes, else null. */
    static AlreadyCommitted alreadyCommitted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AlreadyCommitted a) {
                return a;
            }
            for (Throwable s : t.getSuppressed()) {
                if (s instanceof AlreadyCommitted a) {
                    return a;
                }
            }
        }
        return null;
    }
}

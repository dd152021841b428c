import dev.soal.core.Backend;
import dev.soal.core.Cost;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Measurement;
import dev.soal.core.PastRun;
import dev.soal.core.Prices;
import dev.soal.core.ResourceExhaustion;
import dev.soal.core.RoutingDecision;
import dev.soal.core.RunHistory;
import dev.soal.core.RunUsage;
import dev.soal.core.Sizes;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The router's real decision code (RoutingPolicy: the size rule, the formats' expansion, the run history, the
 * predictions and deadlines; spill-over as SpillOvers applies it) on a simulated month of jobs, against fixed policies.
 *
 * The trace: -Djobs (5,000) over 30 days from -Dseed (42); recurring scripts, each with its own cost per byte and memory
 * per byte, two that blow up in memory (joins); input sizes heavy-tailed from 10 KB to 50 GB in CSV, gzip CSV, JSON and
 * Parquet; a deadline on 30% of them (5 min to 2 h).
 *
 * The world the runs happen in (what the router does not know): a script reads at 20 MB/s per vCPU divided by its cost
 * factor and by the run's noise (log-normal, sigma 0.25, which also scales its memory per byte: data differs by day); its inputs expand as read by their format's true factor (gzip 4.5, Parquet 3.3: near the policies' defaults,
 * not equal); on Lambda a run needs 250 MB of heap plus its memory per byte times the bytes as read, has 80% of the
 * tier's memory as heap and one vCPU per 1,769 MB (at most 6), and fails when it needs more heap (after the share of its
 * time it got through) or runs past 900 s; a cold start takes 8 s. EMR Serverless starts in 90 s and runs on 80 executor
 * vCPUs; Glue (10 G.1X) starts in 20 s and runs on 36. Costs at the list prices SoAL reports (Prices): Lambda per GB-s,
 * EMR Serverless per vCPU-h and GB-h of the policies' job size, Glue per DPU-h, both at least one minute.
 *
 * The oracle knows the world: each job's cheapest run that succeeds (and meets its deadline when one can), the floor
 * no router reaches.
 */
public class RoutingSim {
    static final long MB = 1024L * 1024;
    static final double MB_PER_VCPU_SECOND = 20;

    record Script(String name, String format, double costFactor, double memPerByte) {
    }

    /** {@code noise}: this run's memory and time against its script's typical ones (data differs from day to day). */
    record Job(int i, Instant at, Script script, long rawBytes, Long deadlineSeconds, double noise) {
    }

    /** One run in the world: how long, what it cost, whether it ran out of something. */
    record Run(Backend backend, int memoryMb, long startMillis, long runMillis, double usd, ResourceExhaustion.Kind ranOut,
               RunUsage usage) {
    }

    /** A job's end under a policy. */
    record End(double usd, long millis, boolean failed, boolean spilled, Backend backend) {
    }

    static double trueExpansion(String format) {
        return switch (format) {
            case "csv.gzip" -> 4.5;
            case "parquet" -> 3.3;
            default -> 1.0;
        };
    }

    public static void main(String[] args) {
        int n = Integer.getInteger("jobs", 5000);
        long seed = Long.getLong("seed", 42);
        Random r = new Random(seed);
        List<Script> scripts = List.of(
                new Script("daily_stats", "csv", 1.0, 0.3), new Script("sessionize", "json", 2.0, 0.5),
                new Script("clicks_gz", "csv.gzip", 1.2, 0.4), new Script("dedupe", "parquet", 1.5, 0.6),
                new Script("features", "parquet", 3.0, 0.8), new Script("reports", "csv", 0.5, 0.2),
                new Script("audit_gz", "csv.gzip", 0.8, 0.3), new Script("geo_enrich", "json", 1.0, 0.4),
                new Script("pair_join", "csv", 2.5, 8.0), new Script("graph_join", "parquet", 2.0, 12.0));
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        List<Job> trace = new ArrayList<>();
        long[] deadlines = {300, 900, 1800, 3600, 7200};
        for (int i = 0; i < n; i++) {
            Script s = scripts.get(r.nextInt(scripts.size()));
            // heavy-tailed: most inputs are small, a few are tens of GB
            double u = Math.pow(r.nextDouble(), 2.2);
            long bytes = Math.round(10 * 1024 * Math.pow(50.0 * 1024 * 1024 * 1024 / (10 * 1024), u));
            Long deadline = r.nextDouble() < 0.3 ? deadlines[r.nextInt(deadlines.length)] : null;
            double noise = Math.exp(0.25 * r.nextGaussian());
            trace.add(new Job(i, t0.plusSeconds((long) i * 30L * 86400 / n), s, bytes, deadline, noise));
        }
        Policies policies = PolicyLoader.defaults();
        Set<Backend> aws = Set.of(Backend.LAMBDA, Backend.EMR_SERVERLESS, Backend.GLUE);
        Map<String, List<End>> results = new LinkedHashMap<>();
        results.put("lambda under 400 MB, else EMR (today's default)", run(trace, j -> fixedLambda(policies, j)));
        results.put("always EMR Serverless", run(trace, j -> List.of(world(policies, Backend.EMR_SERVERLESS, 0, j))));
        results.put("always Glue", run(trace, j -> List.of(world(policies, Backend.GLUE, 0, j))));
        results.put("oracle: the cheapest run that succeeds, known in advance", run(trace, j -> List.of(oracle(policies, j))));
        RoutingPolicy soal = new RoutingPolicy(policies, aws);
        RunHistory history = new RunHistory.InMemory();
        results.put("SoAL without its history (formats, spill-over, deadlines)", run(trace, j -> soal(soal, RunHistory.NONE, policies, j)));
        results.put("SoAL: formats, history, spill-over, deadlines, cheapest cluster", run(trace, j -> soal(soal, history, policies, j)));

        System.out.printf(Locale.ROOT, "%d jobs over 30 days (seed %d), %d with a deadline; inputs %s to %s%n", n, seed,
                trace.stream().filter(j -> j.deadlineSeconds() != null).count(),
                Sizes.format(trace.stream().mapToLong(Job::rawBytes).min().orElse(0)),
                Sizes.format(trace.stream().mapToLong(Job::rawBytes).max().orElse(0)));
        System.out.printf(Locale.ROOT, "%-66s %12s %8s %10s %10s %s%n", "policy", "cost (USD)", "failed", "missed", "spilled", "jobs by backend");
        double bestFixed = Double.MAX_VALUE;
        for (Map.Entry<String, List<End>> e : results.entrySet()) {
            List<End> ends = e.getValue();
            double cost = ends.stream().mapToDouble(End::usd).sum();
            long failed = ends.stream().filter(End::failed).count();
            long spilled = ends.stream().filter(End::spilled).count();
            long missed = 0;
            for (int i = 0; i < trace.size(); i++) {
                Long d = trace.get(i).deadlineSeconds();
                if (d != null && (ends.get(i).failed() || ends.get(i).millis() > d * 1000)) {
                    missed++;
                }
            }
            Map<Backend, String> by = new java.util.TreeMap<>();
            for (Backend b : Backend.values()) {
                List<End> on = ends.stream().filter(x -> x.backend() == b).toList();
                if (!on.isEmpty()) {
                    by.put(b, on.size() + " $" + String.format(Locale.ROOT, "%.2f", on.stream().mapToDouble(End::usd).sum()));
                }
            }
            System.out.printf(Locale.ROOT, "%-66s %12.2f %8d %10d %10d %s%n", e.getKey(), cost, failed, missed, spilled, by);
            if (!e.getKey().startsWith("SoAL") && !e.getKey().startsWith("oracle")) {
                bestFixed = Math.min(bestFixed, cost);
            }
        }
        double soalCost = results.get("SoAL: formats, history, spill-over, deadlines, cheapest cluster").stream().mapToDouble(End::usd).sum();
        System.out.printf(Locale.ROOT, "SoAL / best fixed policy: %.2f (target <= 0.70)%n", soalCost / bestFixed);
    }

    interface Policy {
        List<Run> runs(Job j);
    }

    /** Every job's end under a policy: its runs' costs summed, its time the runs' times in turn. */
    static List<End> run(List<Job> trace, Policy p) {
        List<End> out = new ArrayList<>();
        for (Job j : trace) {
            List<Run> runs = p.runs(j);
            Run last = runs.get(runs.size() - 1);
            out.add(new End(runs.stream().mapToDouble(Run::usd).sum(), runs.stream().mapToLong(x -> x.startMillis() + x.runMillis()).sum(),
                    last.ranOut() != null, runs.size() > 1, last.backend()));
        }
        return out;
    }

    /** Today's default: raw bytes under the threshold on Lambda (tier by raw bytes), else the first cluster; failures stay. */
    static List<Run> fixedLambda(Policies p, Job j) {
        if (j.rawBytes() <= p.lambda().maxInputBytes()) {
            return List.of(world(p, Backend.LAMBDA, p.lambda().tierFor(j.rawBytes()).memoryMb(), j));
        }
        return List.of(world(p, Backend.EMR_SERVERLESS, 0, j));
    }

    /** The router's decision, then the world: a Lambda run that ran out spills over once; every end enters the history. */
    static List<Run> soal(RoutingPolicy policy, RunHistory history, Policies p, Job j) {
        JobRequest request = new JobRequest("s3://soal-scripts/" + j.script().name() + ".sql", null,
                List.of("s3://soal-data/" + j.script().name() + "/dt=" + j.at().toString().substring(0, 10) + "/"),
                null, null, null, null, null).withDeadline(j.deadlineSeconds() == null ? null : Duration.ofSeconds(j.deadlineSeconds()));
        Measurement m = new Measurement(j.rawBytes(), 1, 0, Map.of(j.script().format(), j.rawBytes()), "\"v1\"");
        RunHistory.Key key = RunHistory.Key.of(request, m);
        RoutingDecision d = policy.decide(request, m, history.recent(key));
        List<Run> runs = new ArrayList<>();
        Run first = world(p, d.backend(), d.lambdaMemoryMb(), j);
        runs.add(first);
        Run last = first;
        if (first.ranOut() != null && d.spillTo() != null) {
            last = world(p, d.spillTo(), 0, j);
            runs.add(last);
        }
        Instant end = j.at().plusMillis(runs.stream().mapToLong(x -> x.startMillis() + x.runMillis()).sum());
        boolean spilled = runs.size() > 1;
        history.record(key, new PastRun("job-" + j.i(), end, last.backend(), last.memoryMb(), j.rawBytes(), d.inputBytesAsRead(),
                last.runMillis(), last.ranOut() == null ? JobState.SUCCEEDED : JobState.FAILED, last.usage(),
                spilled ? first.ranOut() : null, spilled ? first.memoryMb() : null, spilled ? first.runMillis() : null));
        return runs;
    }

    /** What a router that knew the world would do: the cheapest run that succeeds (Lambda at any tier, or a cluster). */
    static Run oracle(Policies p, Job j) {
        List<Run> options = new ArrayList<>();
        for (Policies.MemoryTier t : p.lambda().memory()) {
            options.add(world(p, Backend.LAMBDA, t.memoryMb(), j));
        }
        options.add(world(p, Backend.EMR_SERVERLESS, 0, j));
        options.add(world(p, Backend.GLUE, 0, j));
        Long d = j.deadlineSeconds();
        java.util.Comparator<Run> byCost = java.util.Comparator.comparingDouble(Run::usd);
        return options.stream().filter(x -> x.ranOut() == null)
                .filter(x -> d == null || x.startMillis() + x.runMillis() <= d * 1000).min(byCost)
                .orElseGet(() -> options.stream().filter(x -> x.ranOut() == null).min(byCost).orElseThrow());
    }

    /** One run in the world, on {@code backend} ({@code memoryMb} on Lambda). */
    static Run world(Policies p, Backend backend, int memoryMb, Job j) {
        double asReadMb = j.rawBytes() * trueExpansion(j.script().format()) / MB;
        double perVcpu = MB_PER_VCPU_SECOND / j.script().costFactor() / j.noise();
        switch (backend) {
            case LAMBDA -> {
                double vcpu = Math.min(6, memoryMb / 1769.0);
                long need = (long) ((250 + asReadMb * j.script().memPerByte() * j.noise()) * MB);
                long heap = (long) (memoryMb * 0.8 * MB);
                long millis = Math.round(asReadMb / (perVcpu * vcpu) * 1000);
                ResourceExhaustion.Kind out = null;
                if (need > heap) {
                    out = ResourceExhaustion.Kind.MEMORY;
                    millis = Math.round(millis * (double) heap / need);
                }
                if (millis > 900_000) {
                    out = ResourceExhaustion.Kind.TIME;
                    millis = 900_000;
                }
                RunUsage usage = new RunUsage(250 * MB, Math.min(need, heap), heap, 0, 10L << 30, 0, 0);
                return new Run(backend, memoryMb, 8_000, millis, Prices.lambda(memoryMb, millis).usd(), out, usage);
            }
            case EMR_SERVERLESS -> {
                Policies.EmrPolicy e = p.emrServerless();
                long millis = Math.round(asReadMb / (perVcpu * e.maxExecutors() * e.executorCores()) * 1000);
                double hours = Math.max(millis, 60_000) / 3_600_000.0;
                Cost c = Prices.emrServerless(e.jobVcpus() * hours, e.jobMemoryGb() * hours, 0);
                return new Run(backend, 0, 90_000, millis, c.usd(), null, null);
            }
            case GLUE -> {
                Policies.GluePolicy g = p.glue();
                double vcpus = (g.numberOfWorkers() - 1) * g.dpuPerWorker() * 4;
                long millis = Math.round(asReadMb / (perVcpu * vcpus) * 1000);
                Cost c = Prices.glue(Math.round(millis / 1000.0), g.numberOfWorkers() * g.dpuPerWorker(), null, false);
                return new Run(backend, 0, 20_000, millis, c.usd(), null, null);
            }
            default -> throw new IllegalArgumentException("not simulated: " + backend);
        }
    }
}

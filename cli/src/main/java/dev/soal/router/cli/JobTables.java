package dev.soal.router.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.core.Sizes;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The jobs API's answers as people read them: a table of jobs, one job's page, a submit's decision. */
final class JobTables {
    private JobTables() {
    }

    /** A page of {@code GET /jobs}: a row per job, then how to ask for the next page. */
    static void list(JsonNode page, PrintStream out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"JOB", "STATE", "BACKEND", "CREATED", "DURATION", "COST", "SCRIPT"});
        for (JsonNode j : page.path("jobs")) {
            rows.add(new String[] {j.path("jobId").asText(), j.path("state").asText(), backend(j), time(j.path("createdAt")),
                    j.hasNonNull("durationMillis") ? Sizes.duration(j.path("durationMillis").asLong()) : "-", cost(j),
                    j.path("script").asText()});
        }
        if (rows.size() == 1) {
            out.println("no jobs");
        } else {
            print(rows, out);
        }
        if (page.hasNonNull("nextToken")) {
            out.println("more: --next-token " + page.path("nextToken").asText());
        }
    }

    /** {@code GET /jobs/{id}}: what the job is, where it went and why, what happened and what it cost. */
    static void show(JsonNode j, PrintStream out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"job", j.path("jobId").asText()});
        rows.add(new String[] {"state", j.path("state").asText() + (j.hasNonNull("nativeState") ? " (" + j.path("nativeState").asText() + ")" : "")
                + (j.hasNonNull("message") ? ": " + j.path("message").asText() : "")});
        rows.add(new String[] {"backend", backend(j) + (j.hasNonNull("spillTo") ? ", spills over to " + j.path("spillTo").asText() : "")});
        rows.add(new String[] {"script", j.path("script").asText()});
        List<String> inputs = new ArrayList<>();
        j.path("inputs").forEach(i -> inputs.add(i.asText()));
        rows.add(new String[] {"inputs", String.join(", ", inputs) + (j.hasNonNull("inputBytes")
                ? " (" + Sizes.format(j.path("inputBytes").asLong()) + " in " + j.path("inputObjects").asLong() + " object(s))" : "")});
        if (j.hasNonNull("output")) {
            rows.add(new String[] {"output", j.path("output").asText()});
        }
        rows.add(new String[] {"created", time(j.path("createdAt")) + ", updated " + time(j.path("updatedAt"))});
        if (j.hasNonNull("durationMillis")) {
            rows.add(new String[] {"duration", Sizes.duration(j.path("durationMillis").asLong())});
        }
        if (j.hasNonNull("cost")) {
            rows.add(new String[] {"cost", cost(j) + " (" + j.path("cost").path("basis").asText() + ")"});
        }
        progressOf(j).ifPresent(p -> rows.add(new String[] {"progress", p.describe() + (ended(j) ? " (its last report)" : "")}));
        if (j.hasNonNull("sparkApplicationId")) {
            rows.add(new String[] {"spark app", j.path("sparkApplicationId").asText() + " (in soal history)"});
        }
        if (j.hasNonNull("environmentId")) {
            rows.add(new String[] {"environment", j.path("environmentId").asText() + (j.path("coldStart").asBoolean() ? ", cold start" : ", warm")
                    + ("provisioned-concurrency".equals(j.path("initializationType").asText()) ? ", provisioned and primed" : "")});
        }
        JsonNode u = j.path("usage");
        if (!u.isMissingNode() && !u.isNull()) {
            rows.add(new String[] {"usage", "heap " + Sizes.format(u.path("peakHeapBytes").asLong()) + " at its peak of "
                    + Sizes.format(u.path("maxHeapBytes").asLong()) + ", /tmp " + Sizes.format(u.path("tmpUsedBytes").asLong())
                    + ", wrote " + u.path("rowsWritten").asLong() + " row(s) in " + Sizes.format(u.path("bytesWritten").asLong())});
        }
        if (j.hasNonNull("deadlineSeconds")) {
            rows.add(new String[] {"deadline", Sizes.duration(j.path("deadlineSeconds").asLong() * 1000)});
        }
        JsonNode o = j.path("predictionOutcome");
        if (!o.isMissingNode() && !o.isNull()) {
            rows.add(new String[] {"predicted", o.path("backend").asText() + " " + Sizes.duration(o.path("predictedMillis").asLong())
                    + String.format(Locale.ROOT, " $%.4f; took %s (%.2fx)", o.path("predictedUsd").asDouble(),
                    Sizes.duration(o.path("actualMillis").asLong()), o.path("timeRatio").asDouble())});
        }
        JsonNode s = j.path("spilledOver");
        if (!s.isMissingNode() && !s.isNull()) {
            rows.add(new String[] {"spilled over", "from " + s.path("backend").asText() + " " + s.path("memoryMb").asInt() + " MB: "
                    + s.path("ranOut").asText().toLowerCase(Locale.ROOT) + " ran out after " + Sizes.duration(s.path("durationMillis").asLong())});
        }
        print(rows, out);
        out.println("reasons:");
        j.path("reasons").forEach(r -> out.println("  - " + r.asText()));
        out.println("history:");
        List<String[]> h = new ArrayList<>();
        j.path("history").forEach(c -> h.add(new String[] {"  " + time(c.path("at")), c.path("state").asText(),
                c.hasNonNull("message") ? c.path("message").asText() : ""}));
        print(h, out);
    }

    /** The history entries of {@code j} after the first {@code seen}: what changed since the last look. */
    static void changes(JsonNode j, int seen, PrintStream out) {
        JsonNode h = j.path("history");
        for (int i = seen; i < h.size(); i++) {
            JsonNode c = h.get(i);
            out.println(time(c.path("at")) + "  " + c.path("state").asText() + (c.hasNonNull("message") ? "  " + c.path("message").asText() : ""));
        }
    }

    /** The job's progress as its runtime last reported it, when it did. */
    static java.util.Optional<dev.soal.core.JobProgress> progressOf(JsonNode j) {
        JsonNode p = j.path("progress");
        return p.isMissingNode() || p.isNull() ? java.util.Optional.empty()
                : java.util.Optional.of(dev.soal.core.Json.mapper().convertValue(p, dev.soal.core.JobProgress.class));
    }

    private static boolean ended(JsonNode j) {
        return JobsCommand.ended(j.path("state").asText());
    }

    /**
     * With {@code --follow}: the running job's progress, when it moved since {@code before} (what the previous look
     * showed); answers what it shows now.
     */
    static dev.soal.core.JobProgress progress(JsonNode j, dev.soal.core.JobProgress before, PrintStream out) {
        dev.soal.core.JobProgress now = progressOf(j).orElse(null);
        if (now != null && !ended(j) && !now.sameAs(before)) {
            out.println(time(j.path("progress").path("at")) + "  " + j.path("state").asText() + "  " + now.describe());
        }
        return now;
    }

    /** {@code GET /jobs/{id}/logs}: each attempt's lines under a heading that says where they come from. */
    static void logs(JsonNode logs, PrintStream out) {
        for (JsonNode a : logs.path("attempts")) {
            out.println("== " + a.path("backend").asText() + ": " + a.path("where").asText()
                    + (a.path("truncated").asBoolean() ? " (its last " + a.path("lines").size() + " lines)" : ""));
            if (a.hasNonNull("note")) {
                out.println("   " + a.path("note").asText());
            }
            a.path("lines").forEach(l -> out.println(l.asText()));
        }
    }

    /** {@code POST /jobs}: the job and its decision; a dry run's decision and predictions. */
    static void submitted(JsonNode a, boolean dryRun, PrintStream out) {
        String where = backend(a);
        if (dryRun) {
            out.println("would run on " + where + " (" + Sizes.format(a.path("inputBytes").asLong()) + " in "
                    + a.path("inputObjects").asLong() + " object(s))");
        } else {
            out.println("job " + a.path("jobId").asText() + ": " + a.path("state").asText() + " on " + where
                    + (a.path("existing").asBoolean() ? " (an earlier submit with this idempotency key)" : ""));
            if (a.hasNonNull("output")) {
                out.println("output: " + a.path("output").asText());
            }
        }
        out.println("reasons:");
        a.path("reasons").forEach(r -> out.println("  - " + r.asText()));
        if (a.path("predictions").size() > 0) {
            out.println("predictions:");
            List<String[]> rows = new ArrayList<>();
            for (JsonNode p : a.path("predictions")) {
                rows.add(new String[] {"  " + p.path("backend").asText() + (p.path("memoryMb").asInt() > 0 ? " " + p.path("memoryMb").asInt() + " MB" : ""),
                        "start " + Sizes.duration(p.path("startMillis").asLong()), "run " + Sizes.duration(p.path("runMillis").asLong()),
                        String.format(Locale.ROOT, "$%.4f", p.path("cost").path("usd").asDouble()), p.path("basis").asText()});
            }
            print(rows, out);
        }
    }

    private static String backend(JsonNode j) {
        return j.path("backend").asText() + (j.hasNonNull("lambdaMemoryMb") ? " " + j.path("lambdaMemoryMb").asInt() + " MB" : "");
    }

    private static String cost(JsonNode j) {
        return j.hasNonNull("cost") ? String.format(Locale.ROOT, "$%.4f", j.path("cost").path("usd").asDouble()) : "-";
    }

    /** An ISO instant as {@code 2026-12-07 06:30:57} (UTC), or "-". */
    private static String time(JsonNode t) {
        if (t.isMissingNode() || t.isNull()) {
            return "-";
        }
        String s = t.asText();
        return s.length() >= 19 ? s.substring(0, 10) + " " + s.substring(11, 19) : s;
    }

    /** Left-aligned columns, two spaces apart; the last column is not padded. */
    private static void print(List<String[]> rows, PrintStream out) {
        int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format(Locale.ROOT, "%-" + width[i] + "s  ", r[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}

package dev.soal.runtime;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.OneRowRelation;
import org.apache.spark.sql.catalyst.trees.TreePattern;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.InMemoryFileIndex;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.storage.StorageLevel;
import scala.collection.JavaConverters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A script's temporary view that later statements read twice or more (the example's {@code stats}, read by its
 * INSERT and its last SELECT) is computed once: cached for the job when it is defined, dropped from the cache when the
 * job ends (the cache is the environment's, shared by its sessions). Only a view Spark can recompute to the same rows
 * is cached, so caching changes no result: one that reads files alone (a plain listing, not a table's log: Delta's and
 * Iceberg's tables change under DML), with no subquery, whose files and folders no later statement names, that is
 * deterministic and does not read the current time. And only when it reads {@link #MIN_BYTES} or more (below that,
 * building the cache costs more than the second read: measured on the small path, docs/benchmarks.md) and at most a
 * quarter of the heap.
 */
final class ViewReuse implements AutoCloseable {
    /** The files a view reads, at least, for caching it to pay: measured 5 MB a loss, 15 MB a gain. */
    static final long MIN_BYTES = 10L << 20;
    private static final Pattern DEFINES = Pattern.compile(
            "(?is)^\\s*CREATE\\s+(?:OR\\s+REPLACE\\s+)?TEMP(?:ORARY)?\\s+VIEW\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)");

    private final SparkSession spark;
    private final List<SqlScript.Statement> statements;
    private final List<Dataset<Row>> cached = new ArrayList<>();

    ViewReuse(SparkSession spark, List<SqlScript.Statement> statements) {
        this.spark = spark;
        this.statements = statements;
    }

    /** The temporary view a statement defines, unquoted; null when it defines none. */
    static String viewDefined(SqlScript.Statement st) {
        Matcher m = DEFINES.matcher(st.text());
        if (!m.find()) {
            return null;
        }
        return unquoted(m.group(1));
    }

    private static String unquoted(String name) {
        return name.startsWith("`") ? name.substring(1, name.length() - 1) : name;
    }

    /** How many statements after {@code i} name the view, up to one that defines it again. */
    static int readsAfter(List<SqlScript.Statement> statements, int i, String view) {
        Pattern named = Pattern.compile("(?i)(?<![A-Za-z0-9_])`?" + Pattern.quote(view) + "`?(?![A-Za-z0-9_])");
        int reads = 0;
        for (int j = i + 1; j < statements.size(); j++) {
            String text = statements.get(j).text();
            Matcher defines = DEFINES.matcher(text);
            boolean again = defines.find() && unquoted(defines.group(1)).equalsIgnoreCase(view);
            // a redefinition that reads the old view (v AS SELECT ... FROM v) reads it once more, then ends it
            if (named.matcher(again ? text.substring(defines.end()) : text).find()) {
                reads++;
            }
            if (again) {
                break;
            }
        }
        return reads;
    }

    /**
     * After statement {@code i} ran: when it defined a view read twice later that may be cached, caches it (lazily:
     * the first statement that reads it fills the cache); returns what to log, or null.
     *
     * @param laterTexts the later statements as they will run (variables bound), whose paths the view must not read
     */
    String afterStatement(int i, List<String> laterTexts) {
        String view = viewDefined(statements.get(i));
        if (view == null) {
            return null;
        }
        int reads = readsAfter(statements, i, view);
        if (reads < 2) {
            return null;
        }
        Dataset<Row> ds = spark.table(quoted(view));
        LogicalPlan plan = ds.queryExecution().analyzed();
        String refused = refusal(plan, laterTexts);
        if (refused != null) {
            return "view " + view + " is read by " + reads + " later statements, not cached: " + refused;
        }
        ds.persist(StorageLevel.MEMORY_AND_DISK());
        cached.add(ds);
        return "view " + view + " is read by " + reads + " later statements: computed once, cached for this job";
    }

    /** Why the view's plan may not be cached, or null when it may. */
    static String refusal(LogicalPlan plan, List<String> laterTexts) {
        if (!plan.deterministic()) {
            return "it is not deterministic";
        }
        if (plan.containsPattern(TreePattern.CURRENT_LIKE())) {
            return "it reads the current time or date, which each statement takes anew";
        }
        if (plan.containsPattern(TreePattern.PLAN_EXPRESSION())) {
            return "it holds a subquery, whose sources are not checked"; // collectLeaves does not enter subqueries
        }
        long bytes = 0;
        List<String> paths = new ArrayList<>();
        for (LogicalPlan leaf : JavaConverters.seqAsJavaList(plan.collectLeaves())) {
            if (leaf instanceof LocalRelation || leaf instanceof OneRowRelation) {
                continue;
            }
            // files by path; a catalog table's files are its own to change (INSERT INTO t names no path)
            if (leaf instanceof LogicalRelation lr && lr.catalogTable().isEmpty() && lr.relation() instanceof HadoopFsRelation fs
                    && fs.location().getClass() == InMemoryFileIndex.class) {
                bytes += fs.sizeInBytes();
                JavaConverters.seqAsJavaList(fs.location().rootPaths()).forEach(p -> {
                    paths.add(p.toString());
                    paths.add(p.toUri().getPath());
                });
                continue;
            }
            return "it reads " + leaf.nodeName().toLowerCase(Locale.ROOT) + ", which may change during the job";
        }
        for (String text : laterTexts) {
            Matcher quoted = QUOTED.matcher(text);
            while (quoted.find()) {
                String named = plainPath(quoted.group(1) != null ? quoted.group(1) : quoted.group(2));
                for (String p : paths) {
                    if (!named.isEmpty() && related(plainPath(p), named)) {
                        return "a later statement names its files or a folder of them (" + named + ")";
                    }
                }
            }
        }
        if (bytes < MIN_BYTES) {
            return "it reads " + bytes / 1024 + " KB, where a second read costs less than the cache";
        }
        if (bytes > Runtime.getRuntime().maxMemory() / 4) {
            return "it reads " + bytes / (1 << 20) + " MB, more than a quarter of the heap, which its cache could crowd out";
        }
        return null;
    }

    private static final Pattern QUOTED = Pattern.compile("'((?:[^'\\\\]|\\\\.)*)'|\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** A path without its {@code file:} scheme and trailing slashes, for comparing. */
    static String plainPath(String p) {
        String s = p.strip();
        if (s.startsWith("file://")) {
            s = s.substring("file://".length());
        } else if (s.startsWith("file:")) {
            s = s.substring("file:".length());
        }
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.contains("/") ? s : "";
    }

    /** The same path, or one holds the other. */
    static boolean related(String a, String b) {
        return a.equals(b) || a.startsWith(b.endsWith("/") ? b : b + "/") || b.startsWith(a.endsWith("/") ? a : a + "/");
    }

    private static String quoted(String view) {
        return "`" + view.replace("`", "``") + "`";
    }

    /** Drops what this job cached: the cache is the environment's, and the next job's session shares it. */
    @Override
    public void close() {
        for (Dataset<Row> ds : cached) {
            try {
                ds.unpersist(true);
            } catch (RuntimeException e) {
                System.out.println("could not drop a cached view: " + JobRunner.describe(e));
            }
        }
        cached.clear();
    }
}

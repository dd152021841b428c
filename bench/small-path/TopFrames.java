import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a JFR recording's CPU samples say: the methods on top of the stack (self time), and the share of samples under
 * each of a few known kinds of work anywhere in the stack (Janino compiling generated code, CSV parsing, Parquet
 * writing, class loading...). Usage: TopFrames <recording.jfr> [top N].
 */
public class TopFrames {
    /** A kind of work, by a frame anywhere in the stack whose method's class starts with one of these. */
    static final Map<String, List<String>> KINDS = new java.util.LinkedHashMap<>();
    static {
        KINDS.put("codegen: Janino compiling generated code", List.of("org.codehaus.janino", "org.codehaus.commons.compiler"));
        KINDS.put("codegen: generating the code", List.of("org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator",
                "org.apache.spark.sql.execution.WholeStageCodegenExec"));
        KINDS.put("CSV parsing (univocity)", List.of("com.univocity"));
        KINDS.put("Parquet writing", List.of("org.apache.parquet"));
        KINDS.put("analysis and optimisation (catalyst rules)", List.of("org.apache.spark.sql.catalyst.rules.RuleExecutor"));
        KINDS.put("class loading", List.of("java.lang.ClassLoader.loadClass", "jdk.internal.loader"));
        KINDS.put("Hadoop file system", List.of("org.apache.hadoop.fs"));
        KINDS.put("JIT-compiled or interpreted generated code (GeneratedClass)", List.of("org.apache.spark.sql.catalyst.expressions.GeneratedClass"));
    }

    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> kinds = new HashMap<>();
        int samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            self.merge(name(st.getFrames().get(0)), 1, Integer::sum);
            for (Map.Entry<String, List<String>> k : KINDS.entrySet()) {
                if (st.getFrames().stream().map(TopFrames::name).anyMatch(n -> k.getValue().stream().anyMatch(n::startsWith))) {
                    kinds.merge(k.getKey(), 1, Integer::sum);
                }
            }
        }
        System.out.printf("%s: %d CPU samples%n  top frames (self):%n", args[0], samples);
        int n = samples;
        self.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(x -> System.out.printf("    %5.1f%%  %s%n", 100.0 * x.getValue() / n, x.getKey()));
        System.out.println("  samples under (anywhere in the stack):");
        KINDS.keySet().forEach(k -> System.out.printf("    %5.1f%%  %s%n", 100.0 * kinds.getOrDefault(k, 0) / Math.max(1, n), k));
    }

    static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}

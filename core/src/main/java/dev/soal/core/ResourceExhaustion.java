package dev.soal.core;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Tells a run that failed for lack of resources from one whose script failed: the first may succeed with more
 * resources (a cluster), the second would fail there too. It reads what the run left: the exception chain where the
 * runtime caught it, or Lambda's error type and message where the runtime could not (a timeout, an exit).
 *
 * <pre>{@code
 * ResourceExhaustion.of(exception);                       // Optional[MEMORY] for an OutOfMemoryError in the chain
 * ResourceExhaustion.of("Sandbox.Timedout", "Task timed out after 900.00 seconds");  // Optional[TIME]
 * }</pre>
 */
public final class ResourceExhaustion {
    /** What ran out, as a status says it ("lambda 4096 MB ran out of memory"). */
    public enum Kind {
        MEMORY("ran out of memory"),
        DISK("ran out of /tmp space"),
        TIME("ran out of time"),
        LIMITS("hit the sandbox's process or file limits"),
        DIED("lost its runtime, which exited while running");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** Spark's exit code for an out-of-memory error in a task (SparkExitCode.OOM): its handler ends the JVM. */
    static final int SPARK_OOM_EXIT = 52;

    private static final List<String> MEMORY_TYPES = List.of("java.lang.OutOfMemoryError",
            "org.apache.spark.memory.SparkOutOfMemoryError", "Runtime.OutOfMemory");
    /** Said by the JVM, Spark and Lambda when memory ran out (lower case). */
    private static final List<String> MEMORY_WORDS = List.of("outofmemoryerror", "java heap space",
            "gc overhead limit exceeded", "direct buffer memory", "not enough memory to build and broadcast",
            "unable to acquire", "exit status " + SPARK_OOM_EXIT, "exit code " + SPARK_OOM_EXIT, "runtime.outofmemory");
    private static final List<String> DISK_WORDS = List.of("no space left on device", "disk quota exceeded");
    private static final List<String> TIME_WORDS = List.of("task timed out after", "sandbox.timedout");
    private static final List<String> LIMIT_WORDS = List.of("too many open files", "unable to create native thread",
            "unable to create new native thread", "pthread_create failed");
    private static final List<String> DIED_TYPES = List.of("Runtime.ExitError");

    private ResourceExhaustion() {
    }

    /**
     * What ran out, read from an exception and its causes (and suppressed ones): an {@link OutOfMemoryError} anywhere
     * in the chain, or a message that says memory, {@code /tmp} or the process or file limits ran out (Spark reports a
     * task's failure as text in its own exception). Empty for anything else.
     */
    public static Optional<Kind> of(Throwable e) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        todo.add(e);
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (t == null || !seen.add(t)) {
                continue;
            }
            if (t instanceof OutOfMemoryError) {
                // the JVM says OutOfMemoryError for the thread limit too
                return Optional.of(limit(t.getMessage()) ? Kind.LIMITS : Kind.MEMORY);
            }
            Optional<Kind> said = ofText(t.getMessage(), false);
            if (said.isPresent()) {
                return said;
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            todo.addAll(List.of(t.getSuppressed()));
        }
        return Optional.empty();
    }

    /**
     * What ran out, read from Lambda's error for an invocation (its {@code errorType} and {@code errorMessage}, as the
     * on-failure destination record carries them): the function timeout, memory, {@code /tmp}, the limits, or a
     * runtime that exited ({@code Runtime.ExitError}; Spark's out-of-memory exit code 52 is memory). Empty for a
     * script's error.
     */
    public static Optional<Kind> of(String errorType, String message) {
        if (errorType != null && MEMORY_TYPES.contains(errorType)) {
            return Optional.of(limit(message) ? Kind.LIMITS : Kind.MEMORY);
        }
        if ("Sandbox.Timedout".equals(errorType)) {
            return Optional.of(Kind.TIME);
        }
        Optional<Kind> said = ofText(message, true);
        if (said.isPresent()) {
            return said;
        }
        return errorType != null && DIED_TYPES.contains(errorType) ? Optional.of(Kind.DIED) : Optional.empty();
    }

    private static Optional<Kind> ofText(String message, boolean lambdaSaid) {
        if (message == null) {
            return Optional.empty();
        }
        String m = message.toLowerCase(Locale.ROOT);
        if (limit(message)) {
            return Optional.of(Kind.LIMITS);
        }
        if (MEMORY_WORDS.stream().anyMatch(w -> m.contains(w) && (!w.startsWith("unable to acquire") || m.contains("bytes of memory")))) {
            return Optional.of(Kind.MEMORY);
        }
        if (DISK_WORDS.stream().anyMatch(m::contains)) {
            return Optional.of(Kind.DISK);
        }
        // only Lambda's own words: a script may well print "timed out" of something else
        if (lambdaSaid && TIME_WORDS.stream().anyMatch(m::contains)) {
            return Optional.of(Kind.TIME);
        }
        return Optional.empty();
    }

    private static boolean limit(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return LIMIT_WORDS.stream().anyMatch(m::contains);
    }
}

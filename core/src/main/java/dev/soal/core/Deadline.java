package dev.soal.core;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * When a request's answer must leave: one deadline per request that every step under it draws from (measuring
 * the inputs, waiting for another creator of the same idempotency key, the retries of a backend call), so the
 * steps' own budgets cannot add up past what the caller waits. A step asks {@link #current()} and takes
 * {@link #cap} of its budget; where none was set, the deadline is unbounded and each step keeps its own.
 *
 * <pre>{@code
 * JobView view = Deadline.in(Duration.ofSeconds(25), "the API's answer").run(() -> api.handle(request));
 * }</pre>
 */
public final class Deadline {
    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();
    private static final Deadline NONE = new Deadline(Long.MAX_VALUE, "no deadline");

    private final long atNanos;
    private final String what;

    private Deadline(long atNanos, String what) {
        this.atNanos = atNanos;
        this.what = what;
    }

    /** A deadline {@code budget} from now; {@code what} names it in messages ("the API's answer"). */
    public static Deadline in(Duration budget, String what) {
        long now = System.nanoTime();
        long nanos = budget.isNegative() ? 0 : budget.toNanos();
        return new Deadline(now + nanos < now ? Long.MAX_VALUE : now + nanos, what);
    }

    /** The deadline of the work this thread is doing, or an unbounded one. */
    public static Deadline current() {
        Deadline d = CURRENT.get();
        return d == null ? NONE : d;
    }

    /** Runs {@code work} under this deadline (the earlier one, when already under one), then restores the outer. */
    public <T> T run(Supplier<T> work) {
        Deadline outer = CURRENT.get();
        CURRENT.set(outer != null && outer.atNanos < atNanos ? outer : this);
        try {
            return work.get();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    public boolean bounded() {
        return atNanos != Long.MAX_VALUE;
    }

    /** Time left, zero once passed. */
    public Duration remaining() {
        if (!bounded()) {
            return Duration.ofNanos(Long.MAX_VALUE);
        }
        return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
    }

    /** A step's own budget, cut to what is left. */
    public Duration cap(Duration budget) {
        Duration left = remaining();
        return budget.compareTo(left) < 0 ? budget : left;
    }

    /** True when waiting {@code wait} still leaves {@code reserve} before the deadline. */
    public boolean allows(Duration wait, Duration reserve) {
        return !bounded() || remaining().compareTo(wait.plus(reserve)) >= 0;
    }

    /** Throws {@link Exceeded} when the deadline has passed. */
    public void check(String step) {
        if (bounded() && remaining().isZero()) {
            throw new Exceeded(this, step);
        }
    }

    public String what() {
        return what;
    }

    /** The deadline passed before {@code step} could finish; retryable: nothing was lost, ask again. */
    public static final class Exceeded extends SoalException {
        public Exceeded(Deadline deadline, String step) {
            super(step + " did not finish before " + deadline.what() + " was due; nothing was lost, try again", true);
        }
    }
}

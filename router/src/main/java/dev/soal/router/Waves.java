package dev.soal.router;

import dev.soal.core.Deadline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Work on a list in order, {@code width} items at a time, each wave finished before the next starts, and no wave
 * started with less than {@code reserve} left before the deadline: the items done are always the list's first
 * ones, so whoever goes on later knows exactly where. Each item runs under the caller's deadline; one item's
 * failure is its own.
 */
final class Waves {
    private Waves() {
    }

    /** @return how many of {@code items}, from the first, were done */
    static <T> int run(List<T> items, int width, Deadline deadline, Duration reserve, Consumer<T> each) {
        if (items.isEmpty()) {
            return 0;
        }
        int done = 0;
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(width, items.size()), r -> {
            Thread t = new Thread(r, "soal-wave");
            t.setDaemon(true);
            return t;
        });
        try {
            while (done < items.size() && deadline.allows(Duration.ZERO, reserve)) {
                List<Future<?>> wave = new ArrayList<>();
                for (T item : items.subList(done, Math.min(items.size(), done + width))) {
                    wave.add(pool.submit(() -> deadline.run(() -> {
                        each.accept(item);
                        return null;
                    })));
                }
                for (Future<?> f : wave) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        // the item's own failure: the others go on
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return done;
                    }
                }
                done += wave.size();
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }
}

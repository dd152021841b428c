package dev.soal.runtime;

import dev.soal.core.RunUsage;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures what one run takes, for the run history ({@link dev.soal.core.RunHistory}): the JVM heap when it starts and
 * at its peak (the heap pools' peaks, reset at the start), the {@code /tmp} it used at its peak (the file store's
 * usable space, sampled every {@link #SAMPLE_MILLIS}), and the rows and bytes Spark's tasks wrote. One run at a time per
 * JVM, as on Lambda and a cluster's driver; on a cluster the heap is the driver's.
 */
final class UsageMeter implements AutoCloseable {
    static final long SAMPLE_MILLIS = 500;

    private final SparkContext spark;
    private final long startHeap;
    private final FileStore tmp;
    private final long tmpStart;
    private final AtomicLong tmpLowest = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final SparkListener listener;
    private final ScheduledExecutorService sampler;

    UsageMeter(SparkContext spark, Path tmpDir) {
        this.spark = spark;
        List<MemoryPoolMXBean> pools = heapPools();
        pools.forEach(MemoryPoolMXBean::resetPeakUsage);
        this.startHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        this.tmp = store(tmpDir);
        this.tmpStart = usable();
        this.listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    rows.addAndGet(end.taskMetrics().outputMetrics().recordsWritten());
                    bytes.addAndGet(end.taskMetrics().outputMetrics().bytesWritten());
                }
            }
        };
        spark.addSparkListener(listener);
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "soal-usage");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> tmpLowest.accumulateAndGet(usable(), Math::min), 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** What the run took so far (call once, at its end). */
    RunUsage stop() {
        sampler.shutdownNow();
        tmpLowest.accumulateAndGet(usable(), Math::min);
        try {
            spark.listenerBus().waitUntilEmpty(2_000); // the last tasks' ends are delivered after the job's
        } catch (Exception | LinkageError e) {
            // counted what arrived
        }
        spark.removeSparkListener(listener);
        long peak = heapPools().stream().mapToLong(p -> p.getPeakUsage() == null ? 0 : p.getPeakUsage().getUsed()).sum();
        long lowest = tmpLowest.get() == Long.MAX_VALUE ? tmpStart : tmpLowest.get();
        long total = 0;
        try {
            total = tmp == null ? 0 : tmp.getTotalSpace();
        } catch (IOException e) {
            // unknown
        }
        return new RunUsage(startHeap, Math.max(peak, startHeap), Runtime.getRuntime().maxMemory(),
                Math.max(0, tmpStart - lowest), total, rows.get(), bytes.get());
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        spark.removeSparkListener(listener);
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    }

    private static FileStore store(Path dir) {
        try {
            Path p = dir;
            while (p != null && !Files.exists(p)) {
                p = p.getParent();
            }
            return p == null ? null : Files.getFileStore(p);
        } catch (IOException e) {
            return null;
        }
    }

    private long usable() {
        try {
            return tmp == null ? 0 : tmp.getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }
}

package dev.soal.core;

/**
 * What a run took, as its runtime measured it: the JVM heap at the start and at its peak against the heap's maximum,
 * the {@code /tmp} it used at its peak against the space there was, and the rows and bytes it wrote.
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record RunUsage(long startHeapBytes, long peakHeapBytes, long maxHeapBytes, long tmpUsedBytes, long tmpTotalBytes,
                       long rowsWritten, long bytesWritten) {
    public RunUsage {
        if (startHeapBytes < 0 || peakHeapBytes < 0 || maxHeapBytes < 0 || tmpUsedBytes < 0 || tmpTotalBytes < 0
                || rowsWritten < 0 || bytesWritten < 0) {
            throw new IllegalArgumentException("a run's usage is never negative");
        }
    }

    /** The peak heap's share of the maximum, 0 when the maximum is not known. */
    public double heapShare() {
        return maxHeapBytes == 0 ? 0 : (double) peakHeapBytes / maxHeapBytes;
    }
}

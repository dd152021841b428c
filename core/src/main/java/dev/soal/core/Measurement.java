package dev.soal.core;

/** The measured size of a job's inputs. */
public record Measurement(long totalBytes, long objectCount, long elapsedMillis) {
    public Measurement {
        if (totalBytes < 0) {
            throw new IllegalArgumentException("totalBytes must be >= 0, but was " + totalBytes);
        }
        if (objectCount < 0) {
            throw new IllegalArgumentException("objectCount must be >= 0, but was " + objectCount);
        }
    }

    @Override
    public String toString() {
        return Sizes.format(totalBytes) + " in " + objectCount + " object" + (objectCount == 1 ? "" : "s");
    }
}

package dev.soal.core;

/** The one unchecked root of SoAL's errors; {@link #retryable()} tells a caller whether to try again. */
public class SoalException extends RuntimeException {
    private final boolean retryable;

    public SoalException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public SoalException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}

package dev.soal.core;

/** A job that must not run as asked (bad URI, missing input, bucket outside the allowlist). Nothing was submitted. */
public class JobRejectedException extends SoalException {
    public JobRejectedException(String message) {
        super(message, false);
    }
}

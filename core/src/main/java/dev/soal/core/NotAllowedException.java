package dev.soal.core;

/** A script, input or output outside the policies' allowlists. Nothing was read or submitted. */
public class NotAllowedException extends JobRejectedException {
    public NotAllowedException(String message) {
        super(message);
    }
}

package dev.soal.policies;

import dev.soal.core.SoalException;

/** A policies file that cannot be used; the message names the file, the line, the field and the bad value. */
public class PolicyException extends SoalException {
    public PolicyException(String message) {
        super(message, false);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause, false);
    }
}

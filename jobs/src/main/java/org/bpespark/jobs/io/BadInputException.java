package org.bpespark.jobs.io;

/** Input the pipeline refuses; the message names the file, line or offset and the value. */
public final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }
}

package org.bpespark.pipeline.format;

/** A tokenizer or data file that does not have the layout its format requires; the message names the file and place. */
public final class FormatException extends IllegalArgumentException {
    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

package org.bpespark.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The special tokens of a run: {@code <|endoftext|>} unless given, none with {@code --no-special-tokens}. */
public final class SpecialTokenOptions {
    static final String DEFAULT = "<|endoftext|>";

    @Option(names = "--special-token", paramLabel = "S",
            description = "A special token (repeatable; default: " + DEFAULT + "). The first one separates documents in text input.")
    List<String> tokens = new ArrayList<>();

    @Option(names = "--no-special-tokens", description = "Use no special tokens at all.")
    boolean none;

    List<String> list() {
        if (none) {
            if (!tokens.isEmpty()) {
                throw new IllegalArgumentException("--no-special-tokens contradicts --special-token " + tokens);
            }
            return List.of();
        }
        return tokens.isEmpty() ? List.of(DEFAULT) : List.copyOf(tokens);
    }

    /** The document separator for text input. */
    String separator() {
        List<String> list = list();
        return list.isEmpty() ? "\n" : list.get(0);
    }
}

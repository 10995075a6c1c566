package org.bpespark.pipeline.format;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.Conformance;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.function.Executable;

/** What the format tests share: a small trained model and the check that an error names its problem. */
final class FormatTesting {
    /**
     * Special tokens of {@link #trainedModel}: GPT-2's, one with a space (not in the mapped alphabet)
     * and one whose characters are all in the mapped alphabet but mean other bytes there.
     */
    static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im start|>", "<|Ġü|>");

    private static BpeModel trained;

    private FormatTesting() {
    }

    /** 400 tokens trained on CS336's corpus.en, with {@link #SPECIALS}. */
    static synchronized BpeModel trainedModel() throws IOException {
        if (trained == null) {
            PreTokenCounter counter = new PreTokenCounter(new SpecialTokens(SPECIALS));
            byte[] text = Files.readAllBytes(Conformance.fixture("corpus.en"));
            counter.add(text, 0, text.length);
            trained = new BpeTrainer(400, SPECIALS).train(counter.toCounts());
        }
        return trained;
    }

    /** Asserts that {@code reading} throws a FormatException whose message contains each fragment. */
    static FormatException assertFormatError(Executable reading, String... fragments) {
        FormatException e = assertThrows(FormatException.class, reading);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment),
                    () -> "message \"" + e.getMessage() + "\" does not contain \"" + fragment + "\"");
        }
        return e;
    }
}

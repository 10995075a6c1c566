package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.Test;

/**
 * CS336 T3's rules (test_train_bpe_special_tokens, SPEC.md §3) on real TinyStories text, since T3's
 * own 5 MB input is not available: vocab 1000 with {@code <|endoftext|>}, no token but the special
 * itself contains {@code <|}, ids exactly 0..999 with distinct values.
 */
class TinyStoriesSpecialTokensTest {
    private static final String EOT = "<|endoftext|>";
    private static final byte[] OPEN = "<|".getBytes(StandardCharsets.UTF_8);

    private static byte[] tinyStories() throws IOException {
        try (InputStream in = new ZstdInputStream(Files.newInputStream(Conformance.corpus("tinystories_en_real.txt.zst")))) {
            return in.readAllBytes();
        }
    }

    private static BpeModel train(byte[] text, List<String> specials) {
        PreTokenCounter counter = new PreTokenCounter(new SpecialTokens(specials));
        counter.add(text, 0, text.length);
        return new BpeTrainer(1000, specials).train(counter.toCounts());
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void noTokenButTheSpecialContainsItsOpeningAndTheVocabularyIsExactlyFull() throws IOException {
        byte[] text = tinyStories();
        BpeModel model = train(text, List.of(EOT));

        assertEquals(1000, model.vocabSize());
        assertEquals(1000 - 256 - 1, model.mergeCount());
        int eot = model.specialId(EOT);
        assertTrue(eot >= 0 && eot < 1000, "special id " + eot);
        assertEquals(EOT, new String(model.tokenBytes(eot), StandardCharsets.UTF_8));
        Set<NaiveBpe.Bytes> values = new HashSet<>();
        for (int id = 0; id < 1000; id++) {
            byte[] token = model.tokenBytes(id);
            values.add(new NaiveBpe.Bytes(token));
            if (id != eot) {
                assertFalse(contains(token, OPEN), "token " + id + " " + BpeModel.describe(token) + " contains <|");
            }
        }
        assertEquals(1000, values.size(), "vocabulary values are not distinct");
    }

    /** The rule above is not vacuous: as plain text, {@code <|endoftext|>} is frequent enough to yield {@code <|}. */
    @Test
    void withoutTheSpecialTokenItsPiecesAreMerged() throws IOException {
        byte[] text = tinyStories();
        BpeModel plain = train(text, List.of());
        boolean found = false;
        for (int id = 0; id < plain.vocabSize() && !found; id++) {
            found = contains(plain.tokenBytes(id), OPEN);
        }
        assertTrue(found, "training without the special should learn a token containing <|");
    }
}

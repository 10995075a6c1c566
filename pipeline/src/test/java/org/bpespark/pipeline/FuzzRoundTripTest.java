package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.Test;

/**
 * Random bytes, valid UTF-8 or not, through the whole engine: pre-tokenize and count, train a small
 * vocabulary, encode, decode. Nothing may throw; bytes come back exactly; valid text round-trips.
 */
class FuzzRoundTripTest {
    private static final String EOT = "<|endoftext|>";
    private static final byte[] EOT_BYTES = EOT.getBytes(StandardCharsets.UTF_8);

    /** Random bytes with a special token now and then. */
    private static byte[] randomCorpus(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int doc = random.nextInt(30); doc > 0; doc--) {
            out.writeBytes(HostileText.bytes(random, 20));
            if (random.nextInt(3) == 0) {
                out.writeBytes(EOT_BYTES);
            }
        }
        return out.toByteArray();
    }

    private static int countOccurrences(byte[] text, byte[] token) {
        int n = 0;
        for (int i = 0; i + token.length <= text.length; ) {
            if (Arrays.equals(text, i, i + token.length, token, 0, token.length)) {
                n++;
                i += token.length;
            } else {
                i++;
            }
        }
        return n;
    }

    @Test
    void anyBytesSurviveCountingTrainingEncodingAndDecoding() {
        Randomized.check("fuzz round trip", 0xF022_0001L, 400, random -> {
            List<String> specials = random.nextBoolean() ? List.of(EOT) : List.of();
            byte[] corpus = randomCorpus(random);

            PreTokenCounter counter = new PreTokenCounter(new SpecialTokens(specials));
            counter.add(corpus, 0, corpus.length);
            PreTokenCounts counts = counter.toCounts();
            // Counting loses nothing: pre-token bytes times counts add up to the text without its specials.
            long countedBytes = 0;
            for (int row = 0; row < counts.size(); row++) {
                countedBytes += counts.token(row).length * counts.count(row);
            }
            long specialBytes = specials.isEmpty() ? 0 : (long) countOccurrences(corpus, EOT_BYTES) * EOT_BYTES.length;
            assertEquals(corpus.length - specialBytes, countedBytes, "bytes counted");

            BpeModel model = new BpeTrainer(256 + specials.size() + random.nextInt(120), specials).train(counts);
            Tokenizer tokenizer = new Tokenizer(model);
            for (int i = 0; i < 10; i++) {
                byte[] bytes = random.nextBoolean() ? randomCorpus(random) : HostileText.bytes(random, 30);
                IntArrayList ids = new IntArrayList();
                tokenizer.encode(bytes, 0, bytes.length, ids::add);
                assertArrayEquals(bytes, tokenizer.decodeBytes(ids.toIntArray()), "bytes did not come back");
                assertEquals(new String(bytes, StandardCharsets.UTF_8), tokenizer.decode(ids.toIntArray()),
                        "decode must replace invalid UTF-8 like a replacing decoder");
                for (int id : ids) {
                    tokenizer.decode(new int[] {id}); // half a character alone must not throw
                }

                String text = HostileText.text(random, 30, EOT, "<|endo", "ftext|>");
                assertEquals(text, tokenizer.decode(tokenizer.encode(text)),
                        () -> "round trip of " + HostileText.escape(text));
                assertEquals(text, tokenizer.decode(tokenizer.encodeOrdinary(text)),
                        () -> "ordinary round trip of " + HostileText.escape(text));
            }
        });
    }
}

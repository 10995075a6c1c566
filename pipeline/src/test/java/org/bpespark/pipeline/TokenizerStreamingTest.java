package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PrimitiveIterator;
import java.util.Random;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streaming encoding ({@link Tokenizer#encodeIterable} and {@link Tokenizer#encode(Reader,
 * java.util.function.IntConsumer)}) must give exactly the ids of {@link Tokenizer#encode} on the whole
 * text, however the text is cut: inside surrogate pairs, special tokens, whitespace runs, contractions.
 */
class TokenizerStreamingTest {
    private static final String EOT = "<|endoftext|>";
    private static final String EOT2 = EOT + EOT;

    private static Tokenizer gpt2;
    private static Tokenizer gpt2Overlapping;
    private static Tokenizer gpt2WithoutSpecials;
    private static Tokenizer small;
    private static Tokenizer smallWithoutSpecials;
    /** Special tokens chosen to collide with pre-tokens: a contraction prefix, a letter pair, spaces, an emoji. */
    private static Tokenizer smallTrickySpecials;

    @BeforeAll
    static void loadModels() throws IOException {
        gpt2 = new Tokenizer(Conformance.gpt2(List.of(EOT)));
        gpt2Overlapping = new Tokenizer(Conformance.gpt2(List.of(EOT, EOT2)));
        gpt2WithoutSpecials = new Tokenizer(Conformance.gpt2(null));
        small = new Tokenizer(trainOnRandomText(List.of(EOT, EOT2)));
        smallWithoutSpecials = new Tokenizer(trainOnRandomText(List.of()));
        smallTrickySpecials = new Tokenizer(trainOnRandomText(List.of(EOT, EOT2, "'l", "ll", "\u00A0\u00A0", "🙃", "  ")));
    }

    /** A model of a few hundred merges trained on hostile and plain random text (fixed seed: not part of any case). */
    private static BpeModel trainOnRandomText(List<String> specials) {
        Random random = new Random(42);
        PreTokenCounter counter = new PreTokenCounter(new SpecialTokens(specials));
        for (int doc = 0; doc < 2_000; doc++) {
            counter.add(HostileText.text(random, 30, "the", " the", "'ll", "  ", "\n\n") + EOT);
        }
        return new BpeTrainer(256 + specials.size() + 400, specials).train(counter.toCounts());
    }

    private static List<Tokenizer> allTokenizers() {
        return List.of(gpt2, gpt2Overlapping, gpt2WithoutSpecials, small, smallWithoutSpecials, smallTrickySpecials);
    }

    /** Pieces that make chunk edges interesting: specials, their fragments, contraction halves, spaces. */
    private static final String[] EDGE_PIECES = {EOT, EOT2, "<|endo", "ftext|>", "'", "l", "ll", "'l", "  ", "\n\n",
        "\u00A0", "\u00A0\u00A0", "🙃", "The", " the"};

    private static int[] streamed(Tokenizer tokenizer, List<String> chunks) {
        IntArrayList ids = new IntArrayList();
        PrimitiveIterator.OfInt it = tokenizer.encodeIterable(chunks.iterator());
        while (it.hasNext()) {
            ids.add(it.nextInt());
        }
        return ids.toIntArray();
    }

    private static int[] read(Tokenizer tokenizer, String text, Random random, int maxRead) {
        IntArrayList ids = new IntArrayList();
        tokenizer.encode(new TrickleReader(text, random, maxRead), ids::add);
        return ids.toIntArray();
    }

    /** Cuts text at random char indices (any index: inside surrogate pairs too; empty chunks allowed). */
    static List<String> randomChunks(String text, Random random) {
        int cuts = random.nextInt(Math.min(text.length(), 12) + 1);
        int[] at = new int[cuts + 2];
        for (int i = 0; i < cuts; i++) {
            at[i] = random.nextInt(text.length() + 1);
        }
        at[cuts] = 0;
        at[cuts + 1] = text.length();
        Arrays.sort(at);
        List<String> chunks = new ArrayList<>();
        for (int i = 0; i + 1 < at.length; i++) {
            chunks.add(text.substring(at[i], at[i + 1]));
        }
        return chunks;
    }

    static List<String> charByChar(String text) {
        List<String> chunks = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            chunks.add(String.valueOf(text.charAt(i)));
        }
        return chunks;
    }

    private static String describe(Tokenizer tokenizer) {
        return "model with " + tokenizer.model().mergeCount() + " merges and specials " + tokenizer.model().specialTokens();
    }

    private static void assertStreamsLikeWhole(Tokenizer tokenizer, String text, List<String> chunks) {
        int[] expected = tokenizer.encode(text);
        assertArrayEquals(expected, streamed(tokenizer, chunks), () -> "chunks "
                + chunks.stream().map(HostileText::escape).toList() + ", " + describe(tokenizer));
    }

    @Test
    void encodeIterableEqualsEncodeOnRandomChunkings() {
        Randomized.check("encodeIterable on random chunks", 0x57EA_0001L, 3_000, random -> {
            String text = HostileText.text(random, 25, EDGE_PIECES);
            for (Tokenizer tokenizer : allTokenizers()) {
                assertStreamsLikeWhole(tokenizer, text, randomChunks(text, random));
                assertStreamsLikeWhole(tokenizer, text, charByChar(text));
            }
        });
    }

    /** Every two-chunk cut of shorter texts: each edge in each construct, once. */
    @Test
    void encodeIterableEqualsEncodeForEveryCutPoint() {
        Randomized.check("encodeIterable, every single cut", 0x57EA_0002L, 300, random -> {
            String text = HostileText.text(random, 10, EDGE_PIECES);
            for (Tokenizer tokenizer : allTokenizers()) {
                for (int cut = 0; cut <= text.length(); cut++) {
                    assertStreamsLikeWhole(tokenizer, text, List.of(text.substring(0, cut), text.substring(cut)));
                }
            }
        });
    }

    @Test
    void readerEncodingEqualsEncodeWithTinyReads() {
        Randomized.check("encode(Reader) with tiny reads", 0x57EA_0003L, 2_000, random -> {
            String text = HostileText.text(random, 25, EDGE_PIECES);
            int maxRead = 1 + random.nextInt(4);
            for (Tokenizer tokenizer : allTokenizers()) {
                assertArrayEquals(tokenizer.encode(text), read(tokenizer, text, random, maxRead),
                        () -> "text " + HostileText.escape(text) + ", reads of 1.." + maxRead + " chars, "
                                + describe(tokenizer));
            }
        });
    }

    /**
     * SPEC §5: {@code '} then {@code l} then {@code l} is one pre-token ({@code 'll}) only once the
     * second {@code l} arrives, so holding back one pre-token is not enough. And a whitespace run
     * settled before a word must not be re-split as if it ended the input ({@code \n\n} whole).
     */
    @Test
    void handPickedChunkings() {
        assertEquals(1, gpt2.encode("'ll").length, "'ll is one GPT-2 token");
        List<List<String>> cases = List.of(
                List.of("'", "l", "l"),
                List.of("I'", "l", "l go"),
                List.of("we'l", "l see"),
                List.of("'l", "l"),
                List.of("A\n\nThe end", "."),
                List.of("hello  ", "  world"),
                List.of("x \u00A0", "\u00A0y"),
                List.of("<|endo", "ftext|>"),
                List.of("a<|endoftext|>", "<|endoftext|>b"),
                List.of("a<|endoftext|><|endo", "ftext|>b"),
                List.of("a<|endoftext|><|endo", "ftext|"),
                // The chunk ends with a whole <|endoftext|><|endoftext|>, whose second half is also a prefix of it.
                List.of("x<|endoftext|><|endoftext|>", "y"),
                List.of("🙃\uD83D", "\uDE43 x"),
                List.of("\uD83D", "\uDE43"),
                List.of("", "", "a", ""));
        for (List<String> chunks : cases) {
            String text = String.join("", chunks);
            for (Tokenizer tokenizer : allTokenizers()) {
                assertStreamsLikeWhole(tokenizer, text, chunks);
            }
        }
    }

    /** A Reader that hands out at most {@code maxRead} chars per call, sometimes half a surrogate pair. */
    private static final class TrickleReader extends Reader {
        private final String text;
        private final Random random;
        private final int maxRead;
        private int position;

        TrickleReader(String text, Random random, int maxRead) {
            this.text = text;
            this.random = random;
            this.maxRead = maxRead;
        }

        @Override
        public int read(char[] buffer, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (position == text.length()) {
                return -1;
            }
            int n = Math.min(Math.min(length, 1 + random.nextInt(maxRead)), text.length() - position);
            text.getChars(position, position + n, buffer, offset);
            position += n;
            return n;
        }

        @Override
        public void close() {
        }
    }
}

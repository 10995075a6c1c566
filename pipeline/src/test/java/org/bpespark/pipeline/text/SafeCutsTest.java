package org.bpespark.pipeline.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.Conformance;
import org.bpespark.pipeline.HostileText;
import org.bpespark.pipeline.Randomized;
import org.bpespark.pipeline.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SafeCuts} against the uncut text: for random hostile text (valid and invalid UTF-8, special
 * tokens and their fragments), every safe cut, and random chains of cuts the way a reader cuts a long
 * document, give pieces whose pre-tokens and special tokens, U+FFFD replacement and GPT-2 token ids
 * concatenate to exactly those of the whole.
 */
class SafeCutsTest {
    /** Overlapping specials (a longer one starting with a shorter one) and one with a space. */
    private static final List<String> SPECIALS = List.of("<|endoftext|>", "<|endoftext|><|endoftext|>", "<|im start|>");
    private static final SpecialTokens SPECIAL_TOKENS = new SpecialTokens(SPECIALS);
    private static final String[] EXTRA_PIECES = {"<|im start|>", "<|im start", "im start|>", " <|endoftext|> ", "'ll",
        "don't", "a1b2", "x.y", "\u00A0\u00A0"};
    private static Tokenizer gpt2;

    @BeforeAll
    static void gpt2WithSpecials() throws IOException {
        BpeModel model = Conformance.gpt2(SPECIALS);
        gpt2 = new Tokenizer(model);
    }

    /** Pre-tokens (as hex) and special tokens (as {@code <S#i>}) of {@code b[from, to)}, in order. */
    static List<String> events(byte[] b, int from, int to) {
        List<String> out = new ArrayList<>();
        SPECIAL_TOKENS.split(b, from, to, new SpecialTokens.Visitor() {
            @Override
            public void text(byte[] buf, int start, int end) {
                PreTokenizer.split(buf, start, end, (x, s, e) -> out.add(HexFormat.of().formatHex(x, s, e)));
            }

            @Override
            public void special(int index) {
                out.add("<S#" + index + ">");
            }
        });
        return out;
    }

    private static byte[] randomText(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int parts = 1 + random.nextInt(4); parts > 0; parts--) {
            if (random.nextInt(3) == 0) {
                out.writeBytes(HostileText.bytes(random, 12));
            } else {
                out.writeBytes(HostileText.text(random, 24, EXTRA_PIECES).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    /** Every position lastSafeCut can return for {@code b} read from its start. */
    private static TreeSet<Integer> allSafeCuts(byte[] b) {
        TreeSet<Integer> cuts = new TreeSet<>();
        for (int to = 1; to <= b.length; to++) {
            int c = SafeCuts.lastSafeCut(b, 0, to, SPECIAL_TOKENS);
            if (c >= 0) {
                assertTrue(c > 0 && c < to, "cut " + c + " outside (0, " + to + ")");
                cuts.add(c);
            }
        }
        return cuts;
    }

    /** The pieces' events, replacement and ids concatenate to the whole's. */
    private static void assertPiecesEqualWhole(byte[] whole, int[] cuts) {
        String where = "text " + HexFormat.of().formatHex(whole) + " cut at " + java.util.Arrays.toString(cuts);
        List<String> events = new ArrayList<>();
        ByteArrayOutputStream replaced = new ByteArrayOutputStream();
        IntArrayList ids = new IntArrayList();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : whole.length;
            byte[] piece = java.util.Arrays.copyOfRange(whole, from, to);
            events.addAll(events(piece, 0, piece.length));
            byte[] valid = Utf8.replaceInvalid(piece);
            replaced.writeBytes(valid);
            gpt2.encode(valid, 0, valid.length, ids);
            from = to;
        }
        assertEquals(events(whole, 0, whole.length), events, where);
        byte[] wholeValid = Utf8.replaceInvalid(whole);
        assertArrayEquals(wholeValid, replaced.toByteArray(), where);
        IntArrayList wholeIds = new IntArrayList();
        gpt2.encode(wholeValid, 0, wholeValid.length, wholeIds);
        assertEquals(wholeIds, ids, where);
    }

    @Test
    void everySafeCutSplitsLikeTheWhole() {
        int[] found = {0};
        Randomized.check("single safe cuts", 0x5AFEC075L, 20_000, random -> {
            byte[] text = randomText(random);
            for (int c : allSafeCuts(text)) {
                assertPiecesEqualWhole(text, new int[] {c});
                found[0]++;
            }
        });
        assertTrue(found[0] > 100_000, "too few safe cuts were tried: " + found[0]);
    }

    /** Cuts chained as a reader makes them: each piece from the previous cut, up to a random length. */
    @Test
    void chainsOfCutsSplitLikeTheWhole() {
        Randomized.check("chained safe cuts", 0xC4A1B5L, 20_000, random -> {
            byte[] text = randomText(random);
            IntArrayList cuts = new IntArrayList();
            int from = 0;
            while (from < text.length) {
                int to = Math.min(text.length, from + 1 + random.nextInt(24));
                int c = SafeCuts.lastSafeCut(text, from, to, SPECIAL_TOKENS);
                if (c < 0) {
                    from = to; // no cut here: the reader would read on; treat the rest as one piece
                    continue;
                }
                cuts.add(c);
                from = c;
            }
            assertPiecesEqualWhole(text, cuts.toIntArray());
        });
    }

    @Test
    void cutsFallOnClassChangesOutsideSpecialTokensOnly() {
        SpecialTokens eot = new SpecialTokens(List.of("<|endoftext|>"));
        byte[] letters = "aaaaaaaaaaaaaaaaaaaa".getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, SafeCuts.lastSafeCut(letters, 0, letters.length, eot), "one run of letters has no cut");
        byte[] words = "one two three".getBytes(StandardCharsets.UTF_8);
        assertEquals(7, SafeCuts.lastSafeCut(words, 0, words.length, SpecialTokens.none()), "before the space after 'two'");
        byte[] contraction = "it's a".getBytes(StandardCharsets.UTF_8);
        assertEquals(4, SafeCuts.lastSafeCut(contraction, 0, 5, SpecialTokens.none()), "before the space after \"it's\"");
        // Not between ' and s (that would break the contraction 's); "t" then "'" is a class change.
        assertEquals(2, SafeCuts.lastSafeCut(contraction, 0, 4, SpecialTokens.none()));
        byte[] special = "ab<|endoftext|>cd".getBytes(StandardCharsets.UTF_8);
        // Inside <|endoftext|> ("<|" then "endoftext") is a class change but not a cut; its start is.
        assertEquals(2, SafeCuts.lastSafeCut(special, 0, special.length, eot));
    }
}

package org.bpespark.pipeline.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bpespark.pipeline.Randomized;
import org.junit.jupiter.api.Test;

/**
 * {@link SpecialTokens#split} and {@link SpecialTokens#lastEnd} against a naive search that tries
 * every token at every position (leftmost first, then longest). Token sets are drawn so that both
 * scans are exercised: tokens sharing their first byte (the eight-bytes-at-a-time search) and
 * tokens that do not (the byte-table search), overlapping tokens, tokens at the ends of the range,
 * and ranges that start and end inside the buffer.
 */
class SpecialTokensDifferentialTest {
    private static final String[] SHARED_FIRST = {"<|endoftext|>", "<|endoftext|><|endoftext|>", "<|a|>", "<", "<|"};
    private static final String[] MIXED_FIRST = {"[SEP]", "</s>", "é>", "\u2028", "ab"};
    private static final String ALPHABET = "<|>endoftxa[SEP]/sé \u2028b";

    @Test
    void splitAndLastEndAgreeWithANaiveSearch() {
        Randomized.check("special-token split", 0x5BEC1A15L, 20_000, random -> {
            List<String> tokens = tokens(random);
            SpecialTokens specials = new SpecialTokens(tokens);
            byte[] text = text(random, tokens);
            int from = random.nextInt(Math.min(text.length, 9) + 1);
            int to = text.length - random.nextInt(Math.min(text.length - from, 9) + 1);
            List<String> expected = naiveSplit(text, from, to, tokens);
            List<String> actual = new ArrayList<>();
            specials.split(text, from, to, new SpecialTokens.Visitor() {
                @Override
                public void text(byte[] buf, int start, int end) {
                    actual.add("text:" + new String(buf, start, end - start, StandardCharsets.UTF_8));
                }

                @Override
                public void special(int index) {
                    actual.add("special:" + tokens.get(index));
                }
            });
            String where = tokens + " in \"" + new String(text, from, to - from, StandardCharsets.UTF_8) + "\"";
            assertEquals(expected, actual, where);
            assertEquals(naiveLastEnd(text, from, to, tokens), specials.lastEnd(text, from, to), where);
        });
    }

    private static List<String> tokens(Random random) {
        String[] pool = random.nextBoolean() ? SHARED_FIRST : MIXED_FIRST;
        List<String> tokens = new ArrayList<>();
        for (String t : pool) {
            if (random.nextInt(3) > 0) {
                tokens.add(t);
            }
        }
        if (tokens.isEmpty()) {
            tokens.add(pool[0]);
        }
        return tokens;
    }

    /** Random text from a small alphabet, with whole tokens mixed in, 0–120 bytes. */
    private static byte[] text(Random random, List<String> tokens) {
        StringBuilder s = new StringBuilder();
        int parts = random.nextInt(40);
        for (int i = 0; i < parts; i++) {
            if (random.nextInt(4) == 0) {
                s.append(tokens.get(random.nextInt(tokens.size())));
            } else {
                s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
        }
        byte[] utf8 = s.toString().getBytes(StandardCharsets.UTF_8);
        return utf8.length > 120 ? java.util.Arrays.copyOf(utf8, 120) : utf8;
    }

    /** Index of the longest token at {@code p} that fits before {@code to}, or -1. */
    private static int naiveMatch(byte[] text, int p, int to, List<String> tokens) {
        int best = -1;
        for (int i = 0; i < tokens.size(); i++) {
            byte[] t = tokens.get(i).getBytes(StandardCharsets.UTF_8);
            boolean fits = p + t.length <= to;
            for (int k = 0; fits && k < t.length; k++) {
                fits = text[p + k] == t[k];
            }
            if (fits && (best < 0 || t.length > tokens.get(best).getBytes(StandardCharsets.UTF_8).length)) {
                best = i;
            }
        }
        return best;
    }

    /** The special tokens the naive search finds, left to right, as {start, token index}. */
    private static List<int[]> naiveMatches(byte[] text, int from, int to, List<String> tokens) {
        List<int[]> matches = new ArrayList<>();
        for (int p = from; p < to; ) {
            int hit = naiveMatch(text, p, to, tokens);
            if (hit < 0) {
                p++;
            } else {
                matches.add(new int[] {p, hit});
                p += tokens.get(hit).getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return matches;
    }

    private static List<String> naiveSplit(byte[] text, int from, int to, List<String> tokens) {
        List<String> out = new ArrayList<>();
        int textStart = from;
        for (int[] match : naiveMatches(text, from, to, tokens)) {
            if (match[0] > textStart) {
                out.add("text:" + new String(text, textStart, match[0] - textStart, StandardCharsets.UTF_8));
            }
            String token = tokens.get(match[1]);
            out.add("special:" + token);
            textStart = match[0] + token.getBytes(StandardCharsets.UTF_8).length;
        }
        if (to > textStart) {
            out.add("text:" + new String(text, textStart, to - textStart, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static int naiveLastEnd(byte[] text, int from, int to, List<String> tokens) {
        List<int[]> matches = naiveMatches(text, from, to, tokens);
        if (matches.isEmpty()) {
            return from;
        }
        int[] last = matches.get(matches.size() - 1);
        return last[0] + tokens.get(last[1]).getBytes(StandardCharsets.UTF_8).length;
    }
}

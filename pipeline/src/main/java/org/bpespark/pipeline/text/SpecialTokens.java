package org.bpespark.pipeline.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds special tokens (e.g. {@code <|endoftext|>}) in UTF-8 text: leftmost occurrence first and,
 * where several start at the same place, the longest (so {@code <|endoftext|><|endoftext|>} wins over
 * {@code <|endoftext|>} when both are special). Searching bytes is the same as searching characters
 * because UTF-8 is self-synchronising.
 */
public final class SpecialTokens {
    /** Receives the ordinary text between special tokens, and each special token found. */
    public interface Visitor {
        void text(byte[] buf, int start, int end);

        void special(int index);
    }

    private final List<String> tokens;
    private final byte[][] tokenBytes;
    /** Indices into {@code tokenBytes}, longest token first, so the first hit at a place is the longest. */
    private final int[] byLength;
    private final boolean[] firstByte = new boolean[256];
    /** The first byte of every token when they all share one (as {@code <|...|>} tokens do), else -1. */
    private final int soleFirstByte;
    private final int maxLength;

    public SpecialTokens(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        this.tokenBytes = new byte[tokens.size()][];
        List<Integer> order = new ArrayList<>();
        int max = 0;
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).isEmpty()) {
                throw new IllegalArgumentException("a special token must not be empty");
            }
            tokenBytes[i] = tokens.get(i).getBytes(StandardCharsets.UTF_8);
            firstByte[tokenBytes[i][0] & 0xFF] = true;
            max = Math.max(max, tokenBytes[i].length);
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> -tokenBytes[i].length).thenComparingInt(i -> i));
        this.byLength = order.stream().mapToInt(Integer::intValue).toArray();
        this.maxLength = max;
        long firstBytes = tokenBytes.length == 0 ? 0
                : java.util.Arrays.stream(tokenBytes).mapToInt(t -> t[0] & 0xFF).distinct().count();
        this.soleFirstByte = firstBytes == 1 ? tokenBytes[0][0] & 0xFF : -1;
    }

    public static SpecialTokens none() {
        return new SpecialTokens(List.of());
    }

    public List<String> tokens() {
        return tokens;
    }

    public boolean isEmpty() {
        return tokens.isEmpty();
    }

    /** Index of the longest special token that starts at {@code p}, or -1. */
    public int matchAt(byte[] b, int p, int to) {
        if (!firstByte[b[p] & 0xFF]) {
            return -1;
        }
        for (int i : byLength) {
            byte[] t = tokenBytes[i];
            if (p + t.length <= to && java.util.Arrays.equals(b, p, p + t.length, t, 0, t.length)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The first position in {@code [p, to)} whose byte can start a special token, or {@code to}.
     * Every encoded byte passes through here, so when all tokens share their first byte (as
     * {@code <|...|>} tokens do) it is searched eight bytes at a time.
     */
    private int nextCandidate(byte[] b, int p, int to) {
        if (soleFirstByte >= 0) {
            return ByteSearch.indexOf(b, p, to, (byte) soleFirstByte);
        }
        while (p < to && !firstByte[b[p] & 0xFF]) {
            p++;
        }
        return p;
    }

    /** Walks {@code b[from, to)}: text pieces (possibly empty ones skipped) and special tokens in order. */
    public void split(byte[] b, int from, int to, Visitor visitor) {
        int textStart = from;
        if (!tokens.isEmpty()) {
            for (int p = nextCandidate(b, from, to); p < to; p = nextCandidate(b, p, to)) {
                int hit = matchAt(b, p, to);
                if (hit < 0) {
                    p++;
                    continue;
                }
                if (p > textStart) {
                    visitor.text(b, textStart, p);
                }
                visitor.special(hit);
                p += tokenBytes[hit].length;
                textStart = p;
            }
        }
        if (to > textStart) {
            visitor.text(b, textStart, to);
        }
    }

    /** End of the last special token found scanning {@code b[from, to)} left to right, or {@code from} if none. */
    public int lastEnd(byte[] b, int from, int to) {
        int last = from;
        if (tokens.isEmpty()) {
            return last;
        }
        for (int p = nextCandidate(b, from, to); p < to; p = nextCandidate(b, p, to)) {
            int hit = matchAt(b, p, to);
            if (hit < 0) {
                p++;
            } else {
                p += tokenBytes[hit].length;
                last = p;
            }
        }
        return last;
    }

    /**
     * How many bytes at the end of {@code b[from, to)} could be the start of a special token that
     * more input would complete; a streaming reader must hold them back.
     *
     * <p>This scans from {@code from} the way {@link #split} does, skipping the special tokens it
     * finds: a tail that looks like a token's prefix may lie inside a complete, longer token that
     * starts earlier ({@code <|endoftext|><|endoftext|>} ends with a prefix of itself), and then it
     * is not a tail at all.
     */
    public int partialSuffixLength(byte[] b, int from, int to) {
        if (tokens.isEmpty()) {
            return 0;
        }
        for (int p = from; p < to; p++) {
            if (to - p < maxLength && isProperPrefixOfToken(b, p, to)) {
                return to - p; // a token may start here (or a longer one than the one that fits)
            }
            int hit = matchAt(b, p, to);
            if (hit >= 0) {
                p += tokenBytes[hit].length - 1;
            }
        }
        return 0;
    }

    /** Whether {@code b[p, to)} is a proper prefix of some special token. */
    private boolean isProperPrefixOfToken(byte[] b, int p, int to) {
        if (!firstByte[b[p] & 0xFF]) {
            return false;
        }
        int len = to - p;
        for (byte[] t : tokenBytes) {
            if (t.length > len && java.util.Arrays.equals(b, p, to, t, 0, len)) {
                return true;
            }
        }
        return false;
    }

    public int length(int index) {
        return tokenBytes[index].length;
    }
}

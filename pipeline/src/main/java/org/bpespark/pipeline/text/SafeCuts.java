package org.bpespark.pipeline.text;

/**
 * Where a document too long to hold in memory may be cut into pieces that are pre-tokenized (and
 * encoded) one by one with exactly the result of the whole: no pre-token and no special token
 * crosses such a cut, and the pieces read alone split as the whole does.
 *
 * <p>A position {@code c} is a safe cut when
 * <ol>
 *   <li>the character ending at {@code c} is valid UTF-8, not whitespace and not {@code '};</li>
 *   <li>the character starting at {@code c} is valid UTF-8 of another class (letter, number,
 *       whitespace, other);</li>
 *   <li>no special-token occurrence, found the way {@link SpecialTokens#split} finds them, lies on
 *       both sides of {@code c}.</li>
 * </ol>
 * Why that suffices for the GPT-2 pattern, whose alternatives look only forward from where a match
 * starts: the match holding the character before {@code c} is a run of that character's class (or a
 * contraction ending in it) and so ends at the class change, which makes {@code c} a match boundary
 * of the whole. The piece after {@code c} then splits as the whole does from {@code c}. The piece
 * before {@code c} splits as the whole does too: a match there could only be decided differently
 * where it looks past {@code c}, which is the optional space of {@code " ?\p{L}+"} (the character
 * before {@code c} is not a space), a contraction {@code 's}/{@code 'll} ({@code '} is excluded
 * before {@code c}; a contraction needing the character at {@code c} does not match it in the whole,
 * which has another class there) and {@code \s+(?!\S)} (the character before {@code c} is not
 * whitespace). Valid characters on both sides also keep U+FFFD replacement of invalid bytes the same
 * piece by piece. {@code SafeCutsTest} checks all of this against the uncut text.
 */
public final class SafeCuts {
    private SafeCuts() {
    }

    /**
     * The last safe cut in {@code b[from, to)}: the largest {@code c} with {@code from < c} and
     * {@code c + longest special token <= to} (so every special token that could hold {@code c} is
     * inside the range and was seen), or -1 if there is none. {@code from} must be where the text
     * starts or an earlier cut, so that special tokens are found from there as in the whole.
     */
    public static int lastSafeCut(byte[] b, int from, int to, SpecialTokens specials) {
        int limit = Math.min(to - 1, to - maxLength(specials));
        if (limit <= from) {
            return -1;
        }
        // Special-token occurrences in [from, to), as split() finds them: ends[i] > c > starts[i] forbids c.
        int[] starts = new int[8];
        int[] ends = new int[8];
        int occurrences = 0;
        if (!specials.isEmpty()) {
            for (int p = from; p < limit; p++) {
                int hit = specials.matchAt(b, p, to);
                if (hit >= 0) {
                    if (occurrences == starts.length) {
                        starts = java.util.Arrays.copyOf(starts, occurrences * 2);
                        ends = java.util.Arrays.copyOf(ends, occurrences * 2);
                    }
                    starts[occurrences] = p;
                    ends[occurrences] = p + specials.length(hit);
                    occurrences++;
                    p += specials.length(hit) - 1;
                }
            }
        }
        int occurrence = occurrences - 1;
        for (int c = limit; c > from; c--) {
            while (occurrence >= 0 && starts[occurrence] >= c) {
                occurrence--;
            }
            if (occurrence >= 0 && ends[occurrence] > c) {
                c = starts[occurrence] + 1; // the loop's c-- lands on the occurrence's start
                continue;
            }
            if (isClassChange(b, from, c, to)) {
                return c;
            }
        }
        return -1;
    }

    /** Conditions 1 and 2 at {@code c}, looking no further back than {@code from}. */
    static boolean isClassChange(byte[] b, int from, int c, int to) {
        int after = b[c] >= 0 ? b[c] : Utf8.codePointAt(b, c, to);
        if (after < 0) {
            return false;
        }
        int start = c - 1;
        while (start > from && start > c - 4 && (b[start] & 0xC0) == 0x80) {
            start--;
        }
        int before = Utf8.codePointAt(b, start, c);
        if (before < 0 || before == '\'' || Utf8.lengthAt(b, start, c) != c - start) {
            return false;
        }
        int beforeClass = CharClass.of(before);
        return beforeClass != CharClass.SPACE && beforeClass != CharClass.of(after);
    }

    private static int maxLength(SpecialTokens specials) {
        int max = 0;
        for (int i = 0; i < specials.tokens().size(); i++) {
            max = Math.max(max, specials.length(i));
        }
        return max;
    }
}

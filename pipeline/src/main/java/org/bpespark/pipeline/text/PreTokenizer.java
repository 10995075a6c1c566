package org.bpespark.pipeline.text;

/**
 * The GPT-2 pre-tokenizer, as a hand-written scanner over UTF-8 bytes.
 *
 * <p>It splits text exactly as the pattern
 * {@code '(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 * does under Python {@code regex} / tiktoken semantics ({@code \s} is Unicode White_Space).
 * A regex engine would do the same work several times slower and would need a decoded
 * {@code String}; this scanner works on the bytes the trainer and encoder need anyway, decides each
 * match with at most one character of look-ahead per alternative, and allocates nothing.
 * {@link #REGEX} is the pattern it must agree with; {@code PreTokenizerDifferentialTest} proves it.
 *
 * <p>How the alternatives reduce to a scanner, at a match start {@code p}:
 * <ol>
 *   <li>{@code '} followed by {@code s d m t} or {@code ll ve re} (case-sensitive) is a contraction.</li>
 *   <li>A space U+0020 followed by a letter, number or "other" character starts a run of that class
 *       (the optional space of alternatives 2–4); otherwise the class of the character at {@code p}
 *       decides, and a run takes every following character of the same class.</li>
 *   <li>A whitespace run that reaches the end of the text is one match. Otherwise the run gives back
 *       its last character ({@code \s+(?!\S)}), which then starts the next match (usually as the
 *       optional space of a word), unless the run is a single character ({@code \s+}).</li>
 * </ol>
 * Bytes that are not valid UTF-8 count as one "other" character each, so any byte string splits
 * without error and the pieces concatenate back to the input.
 */
public final class PreTokenizer {

    /** The GPT-2 pattern, for reference and for the differential test (compile with UNICODE_CHARACTER_CLASS). */
    public static final String REGEX =
            "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Receives each pre-token as a slice of the scanned buffer. */
    @FunctionalInterface
    public interface Sink {
        void accept(byte[] buf, int start, int end);
    }

    private PreTokenizer() {
    }

    /** Splits {@code utf8[from, to)} into pre-tokens, in order. */
    public static void split(byte[] utf8, int from, int to, Sink sink) {
        int p = from;
        while (p < to) {
            int end = matchEnd(utf8, p, to);
            sink.accept(utf8, p, end);
            p = end;
        }
    }

    /** The end (exclusive) of the match that starts at {@code p}; {@code p < to}. */
    public static int matchEnd(byte[] b, int p, int to) {
        int c0 = b[p] & 0xFF;
        if (c0 == '\'' && p + 1 < to) {
            int c1 = b[p + 1];
            if (c1 == 's' || c1 == 'd' || c1 == 'm' || c1 == 't') {
                return p + 2;
            }
            if (p + 2 < to) {
                int c2 = b[p + 2];
                if ((c1 == 'l' && c2 == 'l') || (c1 == 'v' && c2 == 'e') || (c1 == 'r' && c2 == 'e')) {
                    return p + 3;
                }
            }
        }
        if (c0 == ' ' && p + 1 < to) {
            int next = CharClass.classAndLength(b, p + 1, to);
            if ((next & CharClass.CLASS_MASK) != CharClass.SPACE) {
                return runEnd(b, p + 1 + (next >>> CharClass.LENGTH_SHIFT), to, next & CharClass.CLASS_MASK);
            }
        }
        int first = CharClass.classAndLength(b, p, to);
        int cls = first & CharClass.CLASS_MASK;
        int afterFirst = p + (first >>> CharClass.LENGTH_SHIFT);
        if (cls != CharClass.SPACE) {
            return runEnd(b, afterFirst, to, cls);
        }
        // A whitespace run: find its end, remembering where its last character starts.
        int lastStart = p;
        int q = afterFirst;
        while (q < to) {
            int next = CharClass.classAndLength(b, q, to);
            if ((next & CharClass.CLASS_MASK) != CharClass.SPACE) {
                break;
            }
            lastStart = q;
            q += next >>> CharClass.LENGTH_SHIFT;
        }
        if (q == to || lastStart == p) {
            return q;
        }
        return lastStart;
    }

    /** Extends a run of class {@code cls} from {@code q} while characters keep that class. */
    private static int runEnd(byte[] b, int q, int to, int cls) {
        if (cls == CharClass.LETTER) {
            // Fast path for the common ASCII word.
            while (q < to) {
                int c = b[q];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                    q++;
                } else if (c >= 0) {
                    return q;
                } else {
                    int next = CharClass.classAndLength(b, q, to);
                    if ((next & CharClass.CLASS_MASK) != CharClass.LETTER) {
                        return q;
                    }
                    q += next >>> CharClass.LENGTH_SHIFT;
                }
            }
            return q;
        }
        while (q < to) {
            int next = CharClass.classAndLength(b, q, to);
            if ((next & CharClass.CLASS_MASK) != cls) {
                return q;
            }
            q += next >>> CharClass.LENGTH_SHIFT;
        }
        return q;
    }
}

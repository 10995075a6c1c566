package org.bpespark.pipeline.text;

/**
 * The four character classes the GPT-2 pattern distinguishes, read straight from UTF-8 bytes:
 * letters ({@code \p{L}}), numbers ({@code \p{N}}), whitespace (Unicode White_Space, as Python
 * {@code regex} and tiktoken mean {@code \s}) and everything else.
 *
 * <p>U+001C–U+001F are not White_Space (Python's built-in {@code re} would say they are) and
 * U+0085, U+00A0, U+2000–U+200A, U+2028/9, U+3000 are. Classes of the Basic Multilingual Plane are
 * tabulated once; bytes that do not start a valid UTF-8 sequence are one "other" character.
 */
final class CharClass {
    static final byte LETTER = 0;
    static final byte NUMBER = 1;
    static final byte SPACE = 2;
    static final byte OTHER = 3;

    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int cp = 0; cp < BMP.length; cp++) {
            BMP[cp] = compute(cp);
        }
    }

    private CharClass() {
    }

    static int of(int cp) {
        return cp < 0x10000 ? BMP[cp] : compute(cp);
    }

    private static byte compute(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        if (Character.isLetter(cp)) {
            return LETTER;
        }
        int type = Character.getType(cp);
        if (type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER) {
            return NUMBER;
        }
        return OTHER;
    }

    /** The Unicode White_Space property (PropList.txt), which is what {@code \s} means here. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Bits of {@link #classAndLength}'s result that hold the class; the length is above them. */
    static final int CLASS_MASK = 3;
    static final int LENGTH_SHIFT = 2;

    /**
     * Class and byte length of the character whose UTF-8 encoding starts at {@code p}, packed as
     * {@code class | length << LENGTH_SHIFT}; a byte that starts no valid sequence is one OTHER
     * character of length 1. One call decodes a multi-byte character once for both answers.
     */
    static int classAndLength(byte[] b, int p, int to) {
        int c = b[p];
        if (c >= 0) {
            return BMP[c] | 1 << LENGTH_SHIFT;
        }
        int cp = Utf8.codePointAt(b, p, to);
        if (cp < 0) {
            return OTHER | 1 << LENGTH_SHIFT;
        }
        int length = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        return of(cp) | length << LENGTH_SHIFT;
    }
}

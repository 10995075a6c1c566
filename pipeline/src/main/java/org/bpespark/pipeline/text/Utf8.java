package org.bpespark.pipeline.text;

/**
 * Decodes single UTF-8 sequences in place. A sequence that is truncated, overlong, a surrogate or
 * beyond U+10FFFF is invalid: its first byte then stands alone (length 1, code point -1), the way a
 * replacing decoder resynchronises.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** The code point starting at {@code p}, or -1 if the bytes there are not valid UTF-8. */
    public static int codePointAt(byte[] b, int p, int to) {
        int c = b[p] & 0xFF;
        if (c < 0x80) {
            return c;
        }
        int n = sequenceLength(c);
        if (n == 0 || p + n > to) {
            return -1;
        }
        int cp = c & (0xFF >> (n + 1));
        for (int i = 1; i < n; i++) {
            int cc = b[p + i] & 0xFF;
            if ((cc & 0xC0) != 0x80) {
                return -1;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        boolean overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return -1;
        }
        return cp;
    }

    /** Length of the character starting at {@code p}: its sequence length if valid, else 1. */
    public static int lengthAt(byte[] b, int p, int to) {
        int c = b[p] & 0xFF;
        if (c < 0x80) {
            return 1;
        }
        return codePointAt(b, p, to) < 0 ? 1 : sequenceLength(c);
    }

    private static int sequenceLength(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 0;
    }

    /** Index of the first byte of {@code b[from, to)} that does not start a valid sequence, or -1. */
    public static int firstInvalid(byte[] b, int from, int to) {
        int p = from;
        while (p < to) {
            if (b[p] >= 0) {
                p = ByteSearch.firstNonAscii(b, p, to);
            } else if (codePointAt(b, p, to) < 0) {
                return p;
            } else {
                p += sequenceLength(b[p] & 0xFF);
            }
        }
        return -1;
    }

    /** A copy of {@code b} with every invalid sequence replaced by U+FFFD, as a replacing decoder does. */
    public static byte[] replaceInvalid(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}

package org.bpespark.pipeline;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Random text built to break a GPT-2 pre-tokenizer, an encoder or a trainer: contractions in every
 * case and half-typed, every Unicode White_Space character and the look-alikes that are not
 * White_Space (U+001C–U+001F, ZWSP, ZWJ, BOM), combining marks, letters and numbers of other scripts
 * (including letter numbers and other numbers), emoji with skin tones and ZWJ sequences (surrogate
 * pairs in Java), CR/LF runs, special-token look-alikes, and random code points. Every string is
 * valid UTF-16 (no lone surrogates), so it survives a trip through UTF-8.
 */
public final class HostileText {
    private static final String[][] PIECES = {
        // Contractions in any case, and partial ones.
        {"'s", "'S", "'d", "'D", "'m", "'M", "'t", "'T", "'ll", "'LL", "'Ll", "'lL", "'ve", "'VE", "'Ve",
            "'re", "'RE", "'rE", "'", "''", "'l", "'v", "'r", "'x", "'lx", "'sx", "'l'l"},
        // ASCII punctuation, one character each.
        split("!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'"),
        // ASCII whitespace runs, CR/LF.
        {" ", "  ", "   ", "    ", "\t", "\t\t", " \t", "\t ", "\n", "\r", "\r\n", "\n\n", "\r\n\r\n", "\n \n",
            "\u000B", "\u000C"},
        // The rest of Unicode White_Space (U+180E is not White_Space any more: a trap).
        {"\u00A0", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006", "\u2007", "\u2008",
            "\u2009", "\u200A", "\u202F", "\u205F", "\u3000", "\u0085", "\u2028", "\u2029", "\u1680", "\u180E"},
        // Controls and format characters that look like spaces but are not White_Space.
        {"\u001C", "\u001D", "\u001E", "\u001F", "\u0000", "\u0007", "\u007F", "\u200D", "\u200B", "\uFEFF",
            "\u2060", "\u00AD"},
        // Combining marks, alone (after whatever came before) and on a base letter.
        {"\u0301", "\u0308", "\u0327", "\u20DD", "\uFE0F", "e\u0301", "a\u0308", "\u0928\u093F"},
        // Letters of other scripts, titlecase and modifier letters.
        {"привет", "Ж", "αβγ", "Ω", "中文", "字", "مرحبا", "ب", "नमस्ते", "क", "ß", "ǅ", "ʰ", "ª", "Ĳ"},
        // Decimal digits of other scripts (Arabic-Indic, Devanagari, fullwidth, mathematical).
        {"٠١٢", "٩", "०१२", "९", "１２", "𝟘𝟙", "𝟗"},
        // Letter numbers (Nl) and other numbers (No).
        {"Ⅰ", "Ⅱ", "Ⅻ", "ⅰ", "〇", "𐅀", "½", "²", "³", "¼", "①", "②", "⑳", "𐄇"},
        // Emoji: single, skin tones, ZWJ sequences, flags, keycaps, variation selectors.
        {"🙃", "😀", "👍", "👍🏽", "🏽", "👨‍👩‍👧", "👩‍💻", "🇺🇸", "1️⃣", "❤️", "🤷‍♀️"},
        // Letters outside the BMP.
        {"𝐀", "𝑥", "𠀀", "𐐷"},
        // Special-token look-alikes and fragments.
        {"<|endoftext|>", "<|endoftext|><|endoftext|>", "<|", "|>", "<|endoftext", "endoftext|>", "<", "|",
            "<|endoftext|", "<<|endoftext|>"},
    };
    private static final String WHITESPACE = " \t\n\r\u000B\u000C\u00A0\u2000\u2003\u200A\u202F\u205F\u3000"
            + "\u0085\u2028\u2029\u1680";
    /** Bytes that are never valid UTF-8, or valid only in the right company. */
    private static final byte[][] INVALID = {
        {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF},
        {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF5}, {(byte) 0xFE}, {(byte) 0xFF},
        {(byte) 0xE4, (byte) 0xB8}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x99}, {(byte) 0xC3},
        {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0x80},
    };

    private HostileText() {
    }

    private static String[] split(String chars) {
        return chars.codePoints().mapToObj(Character::toString).toArray(String[]::new);
    }

    /** A string of up to {@code maxPieces} random pieces, sometimes with leading or trailing spaces. */
    public static String text(Random random, int maxPieces, String... extraPieces) {
        StringBuilder s = new StringBuilder();
        if (random.nextInt(4) == 0) {
            s.append(" ".repeat(1 + random.nextInt(3)));
        }
        int pieces = random.nextInt(maxPieces + 1);
        for (int i = 0; i < pieces; i++) {
            appendPiece(random, s, extraPieces);
        }
        if (random.nextInt(4) == 0) {
            s.append(random.nextBoolean() ? " ".repeat(1 + random.nextInt(3)) : "\n");
        }
        return s.toString();
    }

    private static void appendPiece(Random random, StringBuilder s, String[] extraPieces) {
        int kind = random.nextInt(PIECES.length + 6);
        if (kind < PIECES.length) {
            String[] group = PIECES[kind];
            s.append(group[random.nextInt(group.length)]);
            return;
        }
        switch (kind - PIECES.length) {
            case 0, 1 -> s.append(asciiWord(random));
            case 2 -> {
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    s.append((char) ('0' + random.nextInt(10)));
                }
            }
            case 3 -> {
                for (int n = 1 + random.nextInt(5); n > 0; n--) {
                    s.append(WHITESPACE.charAt(random.nextInt(WHITESPACE.length())));
                }
            }
            case 4 -> s.appendCodePoint(randomCodePoint(random));
            default -> {
                if (extraPieces.length > 0) {
                    s.append(extraPieces[random.nextInt(extraPieces.length)]);
                } else {
                    s.append(asciiWord(random));
                }
            }
        }
    }

    /** Letters of mixed case, often a repeated letter ("lll", "aaaa"). */
    private static String asciiWord(Random random) {
        int n = 1 + random.nextInt(6);
        StringBuilder w = new StringBuilder(n);
        if (random.nextInt(3) == 0) {
            char c = "alstAL".charAt(random.nextInt(6));
            return String.valueOf(c).repeat(n);
        }
        for (int i = 0; i < n; i++) {
            char c = (char) ('a' + random.nextInt(26));
            w.append(random.nextInt(4) == 0 ? Character.toUpperCase(c) : c);
        }
        return w.toString();
    }

    /** Any scalar value (no surrogates), weighted towards the BMP. */
    private static int randomCodePoint(Random random) {
        while (true) {
            int cp = random.nextBoolean() ? random.nextInt(0x10000) : random.nextInt(0x110000);
            if (cp < 0xD800 || cp > 0xDFFF) {
                return cp;
            }
        }
    }

    /**
     * Random bytes that are often not valid UTF-8: hostile text mixed with stray continuation bytes,
     * overlong forms, encoded surrogates, code points beyond U+10FFFF and truncated sequences.
     */
    public static byte[] bytes(Random random, int maxPieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pieces = random.nextInt(maxPieces + 1);
        for (int i = 0; i < pieces; i++) {
            switch (random.nextInt(3)) {
                case 0 -> out.writeBytes(text(random, 2).getBytes(StandardCharsets.UTF_8));
                case 1 -> out.writeBytes(INVALID[random.nextInt(INVALID.length)]);
                default -> out.write(random.nextInt(256));
            }
        }
        return out.toByteArray();
    }

    /** The string with everything outside printable ASCII written as {@code \\uXXXX}, for messages. */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"') {
                out.append(c);
            } else {
                out.append(String.format("\\u%04X", (int) c));
            }
        }
        return out.append('"').toString();
    }
}

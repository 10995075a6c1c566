package org.bpespark.pipeline.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpespark.pipeline.HostileText;
import org.bpespark.pipeline.Randomized;
import org.junit.jupiter.api.Test;

/**
 * The hand-written scanner {@link PreTokenizer#split} against {@code java.util.regex} running
 * {@link PreTokenizer#REGEX} with {@code UNICODE_CHARACTER_CLASS} ({@code \s} = Unicode White_Space,
 * {@code \p{L}}/{@code \p{N}} from the JDK's tables, the same ones {@link CharClass} reads).
 */
class PreTokenizerDifferentialTest {
    private static final Pattern GPT2 = Pattern.compile(PreTokenizer.REGEX, Pattern.UNICODE_CHARACTER_CLASS);
    private static final int RANDOM_STRINGS = 100_000;

    /** The regex's pre-tokens, checking on the way that its matches tile the text. */
    static List<String> regexSplit(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = GPT2.matcher(text);
        int expectedStart = 0;
        while (m.find()) {
            assertEquals(expectedStart, m.start(), () -> "the regex skipped text in " + HostileText.escape(text));
            pieces.add(m.group());
            expectedStart = m.end();
        }
        assertEquals(text.length(), expectedStart, () -> "the regex left a tail of " + HostileText.escape(text));
        return pieces;
    }

    /** The scanner's pre-tokens of {@code buf[from, to)} as byte ranges, checking that they tile the range. */
    static List<int[]> scannerRanges(byte[] buf, int from, int to) {
        List<int[]> ranges = new ArrayList<>();
        PreTokenizer.split(buf, from, to, (b, start, end) -> {
            int expectedStart = ranges.isEmpty() ? from : ranges.get(ranges.size() - 1)[1];
            if (b != buf || start != expectedStart || end <= start || end > to) {
                throw new AssertionError("pre-token [" + start + ", " + end + ") does not continue at " + expectedStart
                        + " inside [" + from + ", " + to + ")");
            }
            ranges.add(new int[] {start, end});
        });
        int covered = ranges.isEmpty() ? from : ranges.get(ranges.size() - 1)[1];
        assertEquals(to, covered, "the scanner stopped before the end of its range");
        return ranges;
    }

    /** The scanner's pre-tokens of a string, each decoded from its UTF-8 bytes. */
    static List<String> scannerSplit(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return decodeEach(utf8, scannerRanges(utf8, 0, utf8.length));
    }

    private static List<String> decodeEach(byte[] buf, List<int[]> ranges) {
        List<String> pieces = new ArrayList<>(ranges.size());
        for (int[] r : ranges) {
            pieces.add(new String(buf, r[0], r[1] - r[0], StandardCharsets.UTF_8));
        }
        return pieces;
    }

    private static String describe(List<String> pieces) {
        return pieces.stream().map(HostileText::escape).toList().toString();
    }

    @Test
    void scannerSplitsHostileTextExactlyLikeTheRegex() {
        Randomized.check("scanner vs regex", 0x5EED_0001L, RANDOM_STRINGS, random -> {
            String text = HostileText.text(random, 12);
            List<String> expected = regexSplit(text);
            List<String> actual = scannerSplit(text);
            assertEquals(expected, actual, () -> "input " + HostileText.escape(text) + "\n regex:   "
                    + describe(expected) + "\n scanner: " + describe(actual));
        });
    }

    /** The scanner must not look outside {@code [from, to)}: bytes around the range must not change the split. */
    @Test
    void scannerStaysInsideItsRange() {
        Randomized.check("scanner inside a larger buffer", 0x5EED_0002L, 20_000, random -> {
            byte[] text = HostileText.text(random, 8).getBytes(StandardCharsets.UTF_8);
            List<int[]> alone = scannerRanges(text, 0, text.length);
            // Context that would extend a contraction, a word, a whitespace run or a UTF-8 sequence if read.
            byte[] before = HostileText.bytes(random, 3);
            byte[] after = random.nextBoolean() ? "ll x".getBytes(StandardCharsets.UTF_8)
                    : new byte[] {(byte) 0x80, (byte) 0xBF, 'e', ' '};
            byte[] buf = new byte[before.length + text.length + after.length];
            System.arraycopy(before, 0, buf, 0, before.length);
            System.arraycopy(text, 0, buf, before.length, text.length);
            System.arraycopy(after, 0, buf, before.length + text.length, after.length);
            List<int[]> embedded = scannerRanges(buf, before.length, before.length + text.length);
            assertEquals(alone.size(), embedded.size(), "number of pre-tokens");
            for (int i = 0; i < alone.size(); i++) {
                assertArrayEquals(alone.get(i), new int[] {embedded.get(i)[0] - before.length,
                        embedded.get(i)[1] - before.length}, "pre-token " + i);
            }
        });
    }

    /**
     * Invalid UTF-8 never throws and the pieces tile the input. More: each invalid byte is an "other"
     * character, the class of U+FFFD, so decoding each piece with replacement gives exactly the regex's
     * split of the whole input decoded with replacement (a replaced sequence never straddles a piece).
     */
    @Test
    void invalidUtf8SplitsWithoutErrorLikeItsReplacementDecoding() {
        Randomized.check("scanner on invalid UTF-8", 0x5EED_0003L, 30_000, random -> {
            byte[] bytes = HostileText.bytes(random, 10);
            List<int[]> ranges = scannerRanges(bytes, 0, bytes.length);
            byte[] joined = new byte[bytes.length];
            int at = 0;
            for (int[] r : ranges) {
                System.arraycopy(bytes, r[0], joined, at, r[1] - r[0]);
                at += r[1] - r[0];
            }
            assertArrayEquals(bytes, joined, "pieces do not concatenate back to the input");
            String decoded = new String(bytes, StandardCharsets.UTF_8);
            List<String> expected = regexSplit(decoded);
            List<String> actual = decodeEach(bytes, ranges);
            assertEquals(expected, actual, () -> "input " + Arrays.toString(bytes) + "\n regex:   "
                    + describe(expected) + "\n scanner: " + describe(actual));
        });
    }

    /** Splits worked out by hand from the regex semantics; each is checked against the regex too. */
    @Test
    void handPickedSplits() {
        String[][] cases = {
            {""},
            {" ", " "},
            {"   ", "   "},
            // A whitespace run before a word gives its last space to the word.
            {"  hello", " ", " hello"},
            {"hello   world", "hello", "  ", " world"},
            // ... but a run that reaches the end of the text stays whole.
            {"hello  ", "hello", "  "},
            {"hello world\n", "hello", " world", "\n"},
            // Only U+0020 can be the optional leading space of a word.
            {"\t\tx", "\t", "\t", "x"},
            {"a\u00A0b", "a", "\u00A0", "b"},
            {"a \u00A0b", "a", " ", "\u00A0", "b"},
            {"a\u00A0 b", "a", "\u00A0", " b"},
            {"\u3000\u3000x", "\u3000", "\u3000", "x"},
            {"\r\n\r\nHi", "\r\n\r", "\n", "Hi"},
            {"a\u2028b", "a", "\u2028", "b"},
            // U+001C and ZWSP are not White_Space: "other" characters.
            {"x\u001Cy", "x", "\u001C", "y"},
            {" \u001C", " \u001C"},
            {"a\u200Bb", "a", "\u200B", "b"},
            // Contractions are lower-case only; otherwise the apostrophe is punctuation.
            {"I'll", "I", "'ll"},
            {"I'LL", "I", "'", "LL"},
            {"don't", "don", "'t"},
            {"'s's", "'s", "'s"},
            {"'ll'", "'ll", "'"},
            {"'l", "'", "l"},
            {"''ll", "''", "ll"},
            {" 's", " '", "s"},
            // Numbers include letter numbers (Nl) and other numbers (No); marks are not letters.
            {"ab12½Ⅻ", "ab", "12½Ⅻ"},
            {"x²", "x", "²"},
            {"12 345", "12", " 345"},
            {"e\u0301", "e", "\u0301"},
            // Emoji (surrogate pairs) are "other" characters.
            {"🙃🙃", "🙃🙃"},
            {" 👍🏽", " 👍🏽"},
            {"<|endoftext|>", "<|", "endoftext", "|>"},
        };
        for (String[] c : cases) {
            String text = c[0];
            List<String> expected = List.of(c).subList(1, c.length);
            assertEquals(expected, regexSplit(text), () -> "regex on " + HostileText.escape(text));
            assertEquals(expected, scannerSplit(text), () -> "scanner on " + HostileText.escape(text));
        }
    }
}

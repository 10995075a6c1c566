package org.bpespark.pipeline.format;

import static org.bpespark.pipeline.format.FormatTesting.assertFormatError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.Conformance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GPT-2's {@code merges.txt}: header, rank order, blank lines, and errors that name their line. */
class MergesTxtTest {
    private static final String SOURCE = "test/merges.txt";

    private static Merge merge(String left, String right) {
        return new Merge(left.getBytes(StandardCharsets.UTF_8), right.getBytes(StandardCharsets.UTF_8));
    }

    private static Merge bytes(int[] left, int[] right) {
        byte[] l = new byte[left.length];
        byte[] r = new byte[right.length];
        for (int i = 0; i < left.length; i++) {
            l[i] = (byte) left[i];
        }
        for (int i = 0; i < right.length; i++) {
            r[i] = (byte) right[i];
        }
        return new Merge(l, r);
    }

    private static List<Merge> read(String text) throws IOException {
        return read(text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<Merge> read(byte[] file) throws IOException {
        return MergesTxt.read(new ByteArrayInputStream(file), SOURCE);
    }

    @Test
    void writesTheVersionHeaderThenOneMergePerLineAndReadsItBack() throws IOException {
        List<Merge> merges = List.of(
                merge(" ", "t"),
                merge("h", "e"),
                merge(" t", "he"),
                merge("\n", "\n"),
                bytes(new int[] {0x00, 0x7F}, new int[] {0xAD, 0xA0}),
                bytes(new int[] {0xE2, 0x80}, new int[] {0x9C}), // the UTF-8 of “, split inside the character
                bytes(new int[] {0xFF}, new int[] {0x21}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MergesTxt.write(merges, out);
        String written = out.toString(StandardCharsets.UTF_8);
        assertEquals("#version: 0.2\nĠ t\nh e\nĠt he\nĊ Ċ\nĀġ Ńł\nâĢ ľ\nÿ !\n", written);
        assertEquals(merges, read(out.toByteArray()));
    }

    @Test
    void theHeaderIsOptional() throws IOException {
        List<Merge> expected = List.of(merge(" ", "t"), merge("h", "e"));
        assertEquals(expected, read("#version: 0.2\nĠ t\nh e\n"));
        assertEquals(expected, read("Ġ t\nh e\n"));
        assertEquals(expected, read("Ġ t\nh e")); // no final newline
    }

    @Test
    void blankLinesAndTrailingWhitespaceAreSkipped() throws IOException {
        assertEquals(List.of(merge(" ", "t"), merge("h", "e")), read("#version: 0.2\n\nĠ t  \n\n\nh e\r\n\n"));
        assertEquals(List.of(), read(""));
        assertEquals(List.of(), read("#version: 0.2\n"));
    }

    @Test
    void readsGpt2sOwnFileWhichHasNoHeader() throws IOException {
        List<Merge> merges = Conformance.readMerges(Conformance.fixture("gpt2_merges.txt"));
        assertEquals(50000, merges.size());
        assertEquals(merge(" ", "t"), merges.get(0));
        assertEquals(merge(" g", "azed"), merges.get(49999));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "one token            | Ġ t\\nh e\\nabc\\n     | line 3 | not a merge",
        "three tokens         | Ġ t\\na b c\\n       | line 2 | not a merge",
        "two spaces           | Ġ t\\na  b\\n        | line 2 | not a merge",
        "leading space        | Ġ t\\n a\\n          | line 2 | not a merge",
        "soft hyphen          | Ġ t\\nh e\\na \u00AD\\n | line 3 | U+00AD",
        "euro sign            | #version: 0.2\\n€ x\\n | line 2 | U+20AC",
        "past the alphabet    | Ġ t\\n\\n\\nĠ \u0144\\n  | line 4 | U+0144",
    })
    void aMalformedLineIsAnErrorNamingIt(String what, String text, String line, String problem) {
        assertFormatError(() -> read(text.replace("\\n", "\n")), SOURCE, line, problem);
    }

    @Test
    void invalidUtf8IsAnErrorNamingItsLine() {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("Ġ t\nh e\na ".getBytes(StandardCharsets.UTF_8));
        file.write(0xFF); // never valid in UTF-8
        file.write('\n');
        assertFormatError(() -> read(file.toByteArray()), SOURCE, "line 3", "UTF-8");
    }
}

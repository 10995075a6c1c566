package org.bpespark.pipeline.format;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bpespark.pipeline.BpeModel.Merge;

/**
 * GPT-2's {@code merges.txt}: UTF-8, LF line ends, an optional first line {@code #version: 0.2},
 * then one merge a line in rank order, its two halves in byte-level mapped form ({@link ByteLevel})
 * separated by one space.
 *
 * <pre>
 * #version: 0.2      (written; optional when read)
 * Ġ t                merge 0: " " + "t"
 * h e                merge 1
 * </pre>
 *
 * Blank lines are skipped when read (GPT-2's own file ends with one); any other line that is not two
 * mapped tokens is an error naming the line.
 */
public final class MergesTxt {
    public static final String HEADER = "#version: 0.2";

    private MergesTxt() {
    }

    public static void write(List<Merge> merges, OutputStream out) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        w.write(HEADER);
        w.write('\n');
        for (Merge m : merges) {
            w.write(ByteLevel.encode(m.left()));
            w.write(' ');
            w.write(ByteLevel.encode(m.right()));
            w.write('\n');
        }
        w.flush();
    }

    /**
     * Reads merges in rank order.
     *
     * @param source names the input in error messages (a path)
     * @throws FormatException naming the line that is not a merge
     */
    public static List<Merge> read(InputStream in, String source) throws IOException {
        // Malformed bytes become U+FFFD and are reported by line below: a strict decoder would throw
        // while the reader fills its buffer, lines ahead of the one being parsed.
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        List<Merge> merges = new ArrayList<>();
        String line;
        int lineNumber = 0;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.indexOf('\uFFFD') >= 0) {
                // No byte maps to U+FFFD, so even a real one could not be part of a merge.
                throw new FormatException(source + ": line " + lineNumber + " is not valid UTF-8 (or holds U+FFFD)");
            }
            String trimmed = line.stripTrailing();
            if (trimmed.isEmpty() || (lineNumber == 1 && trimmed.startsWith("#version"))) {
                continue;
            }
            merges.add(parseLine(trimmed, source, lineNumber));
        }
        return merges;
    }

    /** One merge from its mapped form {@code "left right"}; used by tokenizer.json's string spelling too. */
    static Merge parseLine(String line, String source, int lineNumber) {
        String[] parts = line.split(" ", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new FormatException(source + ": line " + lineNumber + " is not a merge (two tokens separated by one space): \""
                    + line + "\"");
        }
        try {
            return new Merge(ByteLevel.decode(parts[0]), ByteLevel.decode(parts[1]));
        } catch (IllegalArgumentException e) {
            throw new FormatException(source + ": line " + lineNumber + ": " + e.getMessage());
        }
    }
}

package org.bpespark.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.LineRecordReader;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TextDocumentReader} against Hadoop's {@code LineRecordReader} with a custom delimiter (what
 * text input used to be read with): random files cut into random splits give the same documents in
 * the same order, whatever the piece size, and pieces stay near their size.
 */
class TextDocumentReaderTest {
    private static final long SEED = Long.getLong("tests.seed", 0x7E47D0C5L);
    private static final String[] PARTS = {"<|endoftext|>", "<|endoftext|>", "<|endoftext", "|>", "<", "\n", "\n\n",
        " ", "word", "Word", "s", "'s", "12", ".", ",", "ü", "中文", "\uFEFF", "a", "aaaaaaaa"};

    @TempDir
    Path tmp;

    private static byte[] randomFile(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (random.nextInt(5) == 0) {
            out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        }
        for (int n = random.nextInt(80); n > 0; n--) {
            out.writeBytes(PARTS[random.nextInt(PARTS.length)].getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** The documents Hadoop's LineRecordReader reads from the whole file. */
    private static List<String> lineRecordReader(Path file, byte[] delimiter) throws IOException {
        Configuration conf = new Configuration();
        List<String> docs = new ArrayList<>();
        try (LineRecordReader reader = new LineRecordReader(delimiter)) {
            reader.initialize(new FileSplit(new org.apache.hadoop.fs.Path(file.toUri()), 0, Files.size(file), null),
                    new TaskAttemptContextImpl(conf, new TaskAttemptID()));
            while (reader.nextKeyValue()) {
                docs.add(HexFormat.of().formatHex(reader.getCurrentValue().copyBytes()));
            }
        }
        return docs;
    }

    /**
     * The documents of the file read split by split, each document's pieces joined; with no split
     * starts, read as a compressed file is (one stream, no end).
     */
    private static List<String> pieces(byte[] file, long[] splitStarts, byte[] delimiter, int pieceBytes)
            throws IOException {
        boolean wholeStream = splitStarts.length == 0;
        if (wholeStream) {
            splitStarts = new long[] {0};
        }
        SpecialTokens specials = new SpecialTokens(List.of(new String(delimiter, StandardCharsets.UTF_8)));
        List<String> docs = new ArrayList<>();
        for (int s = 0; s < splitStarts.length; s++) {
            long start = splitStarts[s];
            long end = wholeStream ? Long.MAX_VALUE : s + 1 < splitStarts.length ? splitStarts[s + 1] : file.length;
            long from = Math.max(0, start - delimiter.length);
            ByteArrayInputStream in = new ByteArrayInputStream(file, (int) from, file.length - (int) from);
            TextDocumentReader reader = new TextDocumentReader(in, from, start, end, delimiter, specials, pieceBytes,
                    1 << 20, "test");
            ByteArrayOutputStream doc = new ByteArrayOutputStream();
            long documentStart = -1;
            while (reader.hasNext()) {
                TextDocumentReader.RawPiece piece = reader.next();
                if (doc.size() == 0) {
                    documentStart = piece.documentStart();
                    assertTrue(documentStart >= start, "a document before its split");
                }
                assertEquals(documentStart, piece.documentStart());
                assertEquals(doc.size(), piece.offsetInDocument());
                doc.writeBytes(piece.bytes());
                if (piece.last()) {
                    docs.add(HexFormat.of().formatHex(doc.toByteArray()));
                    doc.reset();
                }
            }
            assertEquals(0, doc.size(), "a split ended inside a document");
        }
        return docs;
    }

    @Test
    void randomSplitsAndPiecesReadTheDocumentsLineRecordReaderReads() throws IOException {
        byte[][] delimiters = {"<|endoftext|>".getBytes(StandardCharsets.UTF_8), {'\n'}};
        for (int i = 0; i < 400; i++) {
            Random random = new Random(SEED + i);
            byte[] content = randomFile(random);
            Path file = tmp.resolve("f" + i + ".txt");
            Files.write(file, content);
            for (byte[] delimiter : delimiters) {
                List<String> expected = lineRecordReader(file, delimiter);
                int splits = 1 + random.nextInt(6);
                long[] starts = new long[splits];
                for (int s = 1; s < splits; s++) {
                    starts[s] = content.length == 0 ? 0 : 1 + random.nextInt(content.length); // split 0 is never empty
                }
                java.util.Arrays.sort(starts);
                int pieceBytes = 1 + random.nextInt(40);
                String where = "seed " + (SEED + i) + ", splits " + java.util.Arrays.toString(starts) + ", pieces of "
                        + pieceBytes + ", delimiter " + HexFormat.of().formatHex(delimiter) + ", file "
                        + HexFormat.of().formatHex(content);
                assertEquals(expected, pieces(content, starts, delimiter, pieceBytes), where);
                assertEquals(expected, pieces(content, new long[0], delimiter, pieceBytes), "as one stream: " + where);
            }
        }
    }

    @Test
    void aLongDocumentComesInPiecesNearTheirSize() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            text.append(i % 7 == 0 ? "\n" : " ").append("word").append(i % 100);
        }
        byte[] file = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] delimiter = "<|endoftext|>".getBytes(StandardCharsets.UTF_8);
        TextDocumentReader reader = new TextDocumentReader(new ByteArrayInputStream(file), 0, 0, file.length, delimiter,
                new SpecialTokens(List.of("<|endoftext|>")), 4096, 1 << 20, "test");
        int pieces = 0;
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        while (reader.hasNext()) {
            TextDocumentReader.RawPiece piece = reader.next();
            assertTrue(piece.bytes().length <= 4096 + (1 << 16), "piece of " + piece.bytes().length + " bytes");
            assertEquals(!reader.hasNext(), piece.last());
            whole.writeBytes(piece.bytes());
            pieces++;
        }
        assertTrue(pieces > file.length / (4096 + (1 << 16)), pieces + " pieces");
        assertEquals(text.toString(), whole.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aDocumentWithNoPlaceToCutItIsRefusedNamingFileOffsetAndSize() throws IOException {
        byte[] file = ("short<|endoftext|>" + "a".repeat(300_000)).getBytes(StandardCharsets.UTF_8);
        TextDocumentReader reader = new TextDocumentReader(new ByteArrayInputStream(file), 0, 0, file.length,
                "<|endoftext|>".getBytes(StandardCharsets.UTF_8), new SpecialTokens(List.of("<|endoftext|>")), 1024,
                100_000, "corpus.txt");
        assertTrue(reader.next().last());
        BadInputException e = assertThrows(BadInputException.class, reader::hasNext);
        assertTrue(e.getMessage().startsWith("corpus.txt: the document at byte 18 runs "), e.getMessage());
        assertTrue(e.getMessage().contains("no place to cut it"), e.getMessage());
        assertFalse(e.getMessage().contains("OutOfMemory"));
    }
}

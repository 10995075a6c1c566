package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.Tokenizer;
import org.bpespark.pipeline.format.FormatException;
import org.bpespark.pipeline.format.ShardManifest;
import org.bpespark.pipeline.format.TokenShards;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.text.Utf8;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input of issue 6 through the command line, one test each: the run exits 2 (or 0 where the
 * input is accepted and counted) with an {@code error:} line naming the file, line, offset or value,
 * and leaves nothing half-written: the output folder does not exist afterwards and its parent holds
 * exactly what it held before (no partial files, no hidden {@code .NAME.staging-*} folder).
 *
 * <p>Vocabulary over 65,536 ids with uint16 output: {@link ShardsTiktokenTest#refusesAVocabularyTooLargeForUint16}
 * (GPT-2 plus 20,000 specials); {@link #aVocabularyOverUint16IsRefusedUnlessUint32} here with merges.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BadInputTest {
    private static final String EOT = "<|endoftext|>";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MASTER = "local[2]";

    @TempDir
    static Path shared;
    /** A small tokenizer trained with the engine: all three files. */
    static Path tokenizer;
    static BpeModel model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void trainATokenizer() throws IOException {
        model = Embedded.trainWithEngine(List.of(TestData.fixture("tinystories_sample.txt")), 300, List.of(EOT));
        tokenizer = shared.resolve("tokenizer");
        TokenizerFiles.saveLocal(model, tokenizer);
    }

    // ---------------------------------------------------------------- helpers

    /** Every file and folder under {@code dir} (relative path → size, -1 for folders). */
    private static Map<String, Long> tree(Path dir) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        if (!Files.exists(dir)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                out.put(dir.relativize(p).toString(), Files.isDirectory(p) ? -1 : Files.size(p));
            }
        }
        return out;
    }

    /**
     * Runs a command that must be refused as bad input: exit 2, one {@code error:} line holding every
     * fragment, the output folder absent (unless it was there before, then unchanged) and its parent
     * folder exactly as before. Returns the error line.
     */
    private static String refused(Path output, String[] args, String... fragments) throws IOException {
        return refusedOn(MASTER, output, args, fragments);
    }

    private static String refusedOn(String master, Path output, String[] args, String... fragments) throws IOException {
        Path parent = output.getParent();
        boolean existed = Files.exists(output);
        Map<String, Long> before = tree(parent);
        Map.Entry<Integer, String> result = Embedded.runCapturingErr(master, args);
        String err = result.getValue();
        String line = err.lines().filter(l -> l.startsWith("error: ")).reduce((a, b) -> b).orElse("");
        String command = "pipeline " + String.join(" ", args);
        assertEquals(2, result.getKey(), () -> command + " should be refused with exit 2; stderr:\n" + err);
        for (String fragment : fragments) {
            assertTrue(line.contains(fragment), () -> "the error line of " + command + " lacks \"" + fragment + "\": " + line);
        }
        assertFalse(line.contains("Exception") || line.contains("\tat "), () -> "not a clear message: " + line);
        assertEquals(existed, Files.exists(output), () -> command + ": output folder " + (existed ? "removed" : "created"));
        assertEquals(before, tree(parent), () -> command + " left files behind (partial output or a staging folder)");
        System.out.println("refused as it should be: " + line);
        return line;
    }

    private static String[] args(String... args) {
        return args;
    }

    private static String str(Path p) {
        return p.toString();
    }

    private static JsonNode json(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** The ids of a shard folder, in manifest order, checking each document ends with the EOT. */
    private static int[] shardIds(Path dir, int eot) throws IOException {
        ShardManifest manifest = ShardManifest.fromJson(Files.readAllBytes(dir.resolve(ShardManifest.FILE_NAME)),
                dir.toString());
        List<int[]> parts = new ArrayList<>();
        int total = 0;
        for (ShardManifest.Shard s : manifest.shards()) {
            int[] ids = TokenShards.readIds(dir.resolve(s.file()), TokenShards.Dtype.UINT16);
            for (long end : TokenShards.readIndex(dir.resolve(s.index()))) {
                assertEquals(eot, ids[(int) end - 1], "each document ends with EOT");
            }
            parts.add(ids);
            total += ids.length;
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** pretokenize's table: pre-token (bytes as ISO-8859-1) → count. */
    static Map<String, Long> pretokenCounts(Path pretokenized) throws IOException {
        Map<String, Long> counts = new HashMap<>();
        List<Path> parts;
        try (Stream<Path> list = Files.list(pretokenized.resolve(PretokenizeJob.TABLE))) {
            parts = list.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
        for (Path part : parts) {
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                    new org.apache.hadoop.fs.Path(part.toUri())).withConf(new Configuration()).build()) {
                for (Group g; (g = reader.read()) != null; ) {
                    String token = new String(g.getBinary("token", 0).getBytes(), StandardCharsets.ISO_8859_1);
                    assertEquals(null, counts.put(token, g.getLong("count", 0)), "pre-token twice in the table");
                }
            }
        }
        return counts;
    }

    // ---------------------------------------------------------------- missing and empty input

    @Test
    void aMissingInputPathIsRefusedNamingIt() throws IOException {
        Path missing = tmp.resolve("no-such-corpus.txt");
        Path out = tmp.resolve("out").resolve("result");
        Files.createDirectories(out.getParent());
        refused(out, args("pretokenize", "--input", str(missing), "--output", str(out)),
                "input path does not exist", "no-such-corpus.txt");
        refused(out, args("encode-shards", "--tokenizer", str(tokenizer), "--input", str(missing), "--output", str(out)),
                "input path does not exist", "no-such-corpus.txt");
        refused(out, args("encode-shards", "--tokenizer", str(tmp.resolve("no-such-tokenizer")), "--input",
                str(TestData.fixture("address.txt")), "--output", str(out)),
                "tokenizer directory does not exist", "no-such-tokenizer");
    }

    @Test
    void anEmptyFileAndAFolderWithNoFilesAreRefused() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        Path folder = Files.createDirectories(tmp.resolve("no-files"));
        Files.createDirectories(folder.resolve("sub"));
        Files.writeString(folder.resolve("_SUCCESS"), ""); // hidden, as Hadoop's markers are
        Files.writeString(folder.resolve(".hidden.txt"), "not read");
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        refused(out, args("pretokenize", "--input", str(empty), "--output", str(out)),
                "the input holds no text", "empty.txt");
        refused(out, args("encode-shards", "--tokenizer", str(tokenizer), "--input", str(empty), "--output", str(out)),
                "the input holds no documents", "empty.txt");
        refused(out, args("pretokenize", "--input", str(folder), "--output", str(out)),
                "no input files under", "no-files");
        refused(out, args("encode-shards", "--tokenizer", str(tokenizer), "--input", str(folder), "--output", str(out)),
                "no input files under", "no-files");
    }

    @Test
    void trainLocalRefusesAMissingFileAFolderAndAnEmptyFile() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty-local.txt"));
        Path folder = Files.createDirectories(tmp.resolve("a-folder"));
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        refused(out, args("train-local", "--input", str(tmp.resolve("no-such-corpus.txt")), "--vocab-size", "300",
                "--output", str(out)), "input path does not exist", "no-such-corpus.txt");
        refused(out, args("train-local", "--input", str(folder), "--vocab-size", "300", "--output", str(out)),
                "not a file", "a-folder");
        refused(out, args("train-local", "--input", str(empty), "--vocab-size", "300", "--output", str(out)),
                "the input holds no text", "empty-local.txt");
    }

    // ---------------------------------------------------------------- invalid UTF-8

    /** Four documents, two with invalid UTF-8 (a stray 0xFF at file byte 26, a truncated euro sign). */
    private static byte[] invalidUtf8Corpus() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("Good one." + EOT + "Bad ").getBytes(StandardCharsets.UTF_8));
        out.write(0xFF);
        out.writeBytes((" byte here." + EOT + "Truncated ").getBytes(StandardCharsets.UTF_8));
        out.write(0xE2);
        out.write(0x82);
        out.writeBytes((" euro, then fine." + EOT + "Fine again.\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void invalidUtf8IsReplacedAndCountedByDefault() throws IOException {
        byte[] corpus = invalidUtf8Corpus();
        Path input = tmp.resolve("bad-utf8.txt");
        Files.write(input, corpus);
        Path pre = tmp.resolve("pre");
        Path shards = tmp.resolve("shards");
        Embedded.run(MASTER, "pretokenize", "--input", str(input), "--output", str(pre));
        JsonNode stats = json(pre.resolve(PretokenizeJob.STATS));
        assertEquals(4, stats.path("documents").asLong());
        assertEquals(2, stats.path("invalid_utf8_documents").asLong());
        Map<String, Long> counts = pretokenCounts(pre);
        String replacement = new String("\uFFFD".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        assertEquals(2L, counts.get(" " + replacement), "0xFF and the truncated euro sign, each after a space");
        assertTrue(counts.keySet().stream().noneMatch(t -> t.indexOf('\u00FF') >= 0), "no raw 0xFF byte is counted");

        Embedded.run(MASTER, "encode-shards", "--tokenizer", str(tokenizer), "--input", str(input), "--output", str(shards));
        JsonNode report = json(shards.resolve("report.json"));
        assertEquals(4, report.path("documents").asLong());
        assertEquals(2, report.path("invalid_utf8_documents").asLong());
        byte[] decoded = new Tokenizer(model).decodeBytes(shardIds(shards, model.specialId(EOT)));
        String expected = new String(corpus, StandardCharsets.UTF_8) + EOT; // Java's decoder replaces as ours does
        assertEquals(expected, new String(decoded, StandardCharsets.UTF_8));
        assertArrayEquals(Utf8.replaceInvalid(decoded), decoded, "the shards hold valid UTF-8 only");
    }

    @Test
    void strictUtf8FailsNamingTheFileAndTheByteOffset() throws IOException {
        Path input = tmp.resolve("bad-utf8.txt");
        Files.write(input, invalidUtf8Corpus());
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        // 0xFF is byte 26 of the file ("Good one.<|endoftext|>Bad " is 26 bytes; its document starts at 22).
        refused(out, args("pretokenize", "--strict-utf8", "--input", str(input), "--output", str(out)),
                "bad-utf8.txt", "invalid UTF-8 at byte 26", "document that starts at byte 22", "0xFF", "--strict-utf8");
        refused(out, args("encode-shards", "--strict-utf8", "--tokenizer", str(tokenizer), "--input", str(input),
                "--output", str(out)),
                "bad-utf8.txt", "invalid UTF-8 at byte 26", "0xFF", "--strict-utf8");
    }

    // ---------------------------------------------------------------- jsonl records

    /** Runs pretokenize and encode-shards with --skip-bad-records; checks the counts and the decoded shards. */
    private void skipsAndCounts(Path input, long documents, long skipped, String decoded) throws IOException {
        Path pre = tmp.resolve("skip-pre");
        Path shards = tmp.resolve("skip-shards");
        Embedded.run(MASTER, "pretokenize", "--format", "jsonl", "--skip-bad-records", "--input", str(input),
                "--output", str(pre));
        JsonNode stats = json(pre.resolve(PretokenizeJob.STATS));
        assertEquals(documents, stats.path("documents").asLong());
        assertEquals(skipped, stats.path("skipped_records").asLong());
        Embedded.run(MASTER, "encode-shards", "--format", "jsonl", "--skip-bad-records", "--tokenizer", str(tokenizer),
                "--input", str(input), "--output", str(shards));
        JsonNode report = json(shards.resolve("report.json"));
        assertEquals(documents, report.path("documents").asLong());
        assertEquals(skipped, report.path("skipped_records").asLong());
        assertEquals(decoded, new Tokenizer(model).decode(shardIds(shards, model.specialId(EOT))));
    }

    @Test
    void malformedJsonlLinesFailWithFileAndLineUnlessSkippedAndCounted() throws IOException {
        Path input = tmp.resolve("malformed.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"text\": \"First record.\"}",
                "",
                "{\"text\": \"unclosed\"",
                "[1, 2]",
                "{\"text\": \"two\"} {\"text\": \"objects\"}",
                "not json at all",
                "{\"text\": \"Last record.\"}",
                ""), StandardCharsets.UTF_8);
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        refused(out, args("pretokenize", "--format", "jsonl", "--input", str(input), "--output", str(out)),
                "malformed.jsonl: line 3: not valid JSON", "--skip-bad-records");
        refused(out, args("encode-shards", "--format", "jsonl", "--tokenizer", str(tokenizer), "--input", str(input),
                "--output", str(out)), "malformed.jsonl: line 3: not valid JSON", "--skip-bad-records");
        // Each kind of malformed line on its own names its line.
        Path objects = tmp.resolve("two-objects.jsonl");
        Files.writeString(objects, "{\"text\": \"ok\"}\n{\"text\": \"two\"} {\"text\": \"objects\"}\n");
        refused(out, args("pretokenize", "--format", "jsonl", "--input", str(objects), "--output", str(out)),
                "two-objects.jsonl: line 2: not valid JSON");
        Path array = tmp.resolve("array.jsonl");
        Files.writeString(array, "{\"text\": \"ok\"}\n\n[1, 2]\n");
        refused(out, args("pretokenize", "--format", "jsonl", "--input", str(array), "--output", str(out)),
                "array.jsonl: line 3: not a JSON object");
        skipsAndCounts(input, 2, 4, "First record." + EOT + "Last record." + EOT);
    }

    @Test
    void recordsWithoutTheTextFieldFailWithFileAndLineUnlessSkippedAndCounted() throws IOException {
        Path input = tmp.resolve("no-field.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"text\": \"Has text.\"}",
                "{\"title\": \"no text field\"}",
                "{\"text\": 42}",
                "{\"text\": null}",
                "{\"text\": {\"nested\": \"object\"}}",
                "{\"text\": \"Also has text.\", \"id\": 7}",
                ""), StandardCharsets.UTF_8);
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        refused(out, args("pretokenize", "--format", "jsonl", "--input", str(input), "--output", str(out)),
                "no-field.jsonl: line 2: no string field 'text'", "--skip-bad-records");
        refused(out, args("encode-shards", "--format", "jsonl", "--tokenizer", str(tokenizer), "--input", str(input),
                "--output", str(out)), "no-field.jsonl: line 2: no string field 'text'");
        refused(out, args("pretokenize", "--format", "jsonl", "--text-field", "body", "--input", str(input),
                "--output", str(out)), "no-field.jsonl: line 1: no string field 'body'");
        skipsAndCounts(input, 2, 4, "Has text." + EOT + "Also has text." + EOT);
    }

    // ---------------------------------------------------------------- vocabulary size

    /**
     * Checked before Spark starts: the master URL is not one Spark can parse, so reaching Spark would
     * fail with exit 1 and Spark's message instead.
     */
    @Test
    void aVocabSizeBelow256PlusSpecialsIsRefusedBeforeSparkStarts() throws IOException {
        String noSpark = "no-spark-here";
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        String missing = str(tmp.resolve("not-read"));
        refusedOn(noSpark, out, args("bpe-merge", "--input", missing, "--vocab-size", "256", "--output", str(out)),
                "vocab size 256 is below 256 bytes + 1 special token(s) = 257");
        refusedOn(noSpark, out, args("train", "--input", missing, "--vocab-size", "100", "--special-token", "<a>",
                "--special-token", "<b>", "--output", str(out)), "vocab size 100", "= 258");
        refusedOn(noSpark, out, args("run", "--input", missing, "--vocab-size", "0", "--no-special-tokens",
                "--output", str(out)), "vocab size 0 is below 256 bytes + 0 special token(s) = 256");
        // The same check passes Spark's master through: exit 1 with Spark's error, so the runs above never got there.
        Map.Entry<Integer, String> spark = Embedded.runCapturingErr(noSpark, "bpe-merge", "--input", missing,
                "--vocab-size", "257", "--output", str(out));
        assertEquals(1, spark.getKey(), spark.getValue());
        assertTrue(spark.getValue().contains(noSpark), spark.getValue());
        assertFalse(Files.exists(out));
    }

    /**
     * A BPE tokenizer whose merges (not extra specials, as in ShardsTiktokenTest) take it past 65,536
     * ids: every pair of bytes, 256 + 65,536 + 1 ids. Refused with uint16, encoded with uint32.
     */
    @Test
    void aVocabularyOverUint16IsRefusedUnlessUint32() throws IOException {
        List<Merge> merges = new ArrayList<>();
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                merges.add(new Merge(new byte[] {(byte) a}, new byte[] {(byte) b}));
            }
        }
        Path big = tmp.resolve("pairs-tokenizer");
        TokenizerFiles.saveLocal(BpeModel.of(merges, List.of(EOT)), big);
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        String input = str(TestData.fixture("address.txt"));
        refused(out, args("encode-shards", "--tokenizer", str(big), "--input", input, "--output", str(out)),
                "65793 ids", "uint16", "--dtype uint32");
        Embedded.run(MASTER, "encode-shards", "--tokenizer", str(big), "--dtype", "uint32", "--input", input,
                "--output", str(out));
        ShardManifest manifest = ShardManifest.fromJson(Files.readAllBytes(out.resolve(ShardManifest.FILE_NAME)), str(out));
        assertEquals("uint32", manifest.dtype());
        assertEquals(65793, manifest.vocabSize());
    }

    // ---------------------------------------------------------------- tokenizer files

    /** A copy of the trained tokenizer; without tokenizer.json when {@code gpt2Files}, so vocab.json + merges.txt are read. */
    private Path tokenizerCopy(String name, boolean gpt2Files) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String file : List.of(TokenizerFiles.VOCAB_JSON, TokenizerFiles.MERGES_TXT, TokenizerFiles.TOKENIZER_JSON)) {
            if (!(gpt2Files && file.equals(TokenizerFiles.TOKENIZER_JSON))) {
                Files.copy(tokenizer.resolve(file), dir.resolve(file));
            }
        }
        return dir;
    }

    /** encode-shards with the tokenizer folder must be refused with each fragment in its message. */
    private void encodeRefused(Path tokenizerDir, String... fragments) throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        refused(out, args("encode-shards", "--tokenizer", str(tokenizerDir), "--input", str(TestData.fixture("address.txt")),
                "--output", str(out)), fragments);
    }

    private static void replaceLine(Path file, int lineNumber, String line) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        lines.set(lineNumber - 1, line);
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    /** The first {@code fraction} of a file's bytes, as an interrupted copy leaves it. */
    private static void truncate(Path file, double fraction) throws IOException {
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, (int) (all.length * fraction)));
    }

    @Test
    void aCorruptMergesTxtIsRefusedNamingItsLine() throws IOException {
        Path dir = tokenizerCopy("corrupt-merges", true);
        replaceLine(dir.resolve(TokenizerFiles.MERGES_TXT), 5, "\u0120the");
        encodeRefused(dir, "merges.txt: line 5 is not a merge", "\"\u0120the\"");
        replaceLine(dir.resolve(TokenizerFiles.MERGES_TXT), 5, "a \u00AD");
        encodeRefused(dir, "merges.txt: line 5", "U+00AD");
    }

    /**
     * Cut at a line end, merges.txt is still well-formed: what gives it away is vocab.json's tokens that
     * no merge makes (they would otherwise be read as special tokens). Every cut of the file is refused.
     */
    @Test
    void aTruncatedMergesTxtIsRefused() throws IOException {
        Path dir = tokenizerCopy("truncated-merges", true);
        Path merges = dir.resolve(TokenizerFiles.MERGES_TXT);
        List<String> lines = Files.readAllLines(tokenizer.resolve(TokenizerFiles.MERGES_TXT), StandardCharsets.UTF_8);
        Files.writeString(merges, String.join("\n", lines.subList(0, 21)) + "\n", StandardCharsets.UTF_8);
        encodeRefused(dir, "vocab.json and merges.txt: no merge of the 20 in merges.txt makes", "merges.txt looks truncated");
        truncate(merges, 0.5);
        encodeRefused(dir, "merges.txt");

        byte[] whole = Files.readAllBytes(tokenizer.resolve(TokenizerFiles.MERGES_TXT));
        for (int cut = 0; cut < whole.length - 1; cut++) { // all but the final newline
            Files.write(merges, Arrays.copyOf(whole, cut));
            int at = cut;
            assertThrows(FormatException.class,
                    () -> TokenizerFiles.load(TokenizerFiles.localDir(dir)), () -> "merges.txt cut at byte " + at);
        }
    }

    @Test
    void aCorruptVocabJsonIsRefusedNamingTheEntry() throws IOException {
        Path dir = tokenizerCopy("corrupt-vocab", true);
        Path vocab = dir.resolve(TokenizerFiles.VOCAB_JSON);
        ObjectNode entries = (ObjectNode) json(vocab);
        int idOfE = entries.get("e").asInt();
        entries.put("e", "four");
        Files.write(vocab, JSON.writeValueAsBytes(entries));
        encodeRefused(dir, "vocab.json: line 1: the id of \"e\" is not an integer");
        entries.put("e", 100_000);
        Files.write(vocab, JSON.writeValueAsBytes(entries));
        encodeRefused(dir, "vocab.json: no token has id " + idOfE, "0..100000");
    }

    @Test
    void aTruncatedVocabJsonIsRefused() throws IOException {
        Path dir = tokenizerCopy("truncated-vocab", true);
        truncate(dir.resolve(TokenizerFiles.VOCAB_JSON), 0.5);
        encodeRefused(dir, "vocab.json: not valid JSON", "line 1");
    }

    @Test
    void aCorruptTokenizerJsonIsRefusedNamingTheEntry() throws IOException {
        Path dir = tokenizerCopy("corrupt-hf", false);
        Path file = dir.resolve(TokenizerFiles.TOKENIZER_JSON);
        ObjectNode root = (ObjectNode) json(file);
        ((ArrayNode) root.path("model").path("merges")).set(3,
                IntNode.valueOf(42));
        Files.write(file, JSON.writeValueAsBytes(root));
        encodeRefused(dir, "tokenizer.json: model.merges[3] is neither", "42");
        ((ObjectNode) root.path("model")).put("type", "WordPiece");
        Files.write(file, JSON.writeValueAsBytes(root));
        encodeRefused(dir, "tokenizer.json: \"model\" is missing or its \"type\" is not \"BPE\"");
    }

    @Test
    void aTruncatedTokenizerJsonIsRefused() throws IOException {
        Path dir = tokenizerCopy("truncated-hf", false);
        truncate(dir.resolve(TokenizerFiles.TOKENIZER_JSON), 0.5);
        encodeRefused(dir, "tokenizer.json: not valid JSON", "line ");
    }

    @Test
    void mergesNamingTokensNotInTheVocabularyAreRefused() throws IOException {
        Path gpt2Style = tokenizerCopy("unknown-merges", true);
        Path merges = gpt2Style.resolve(TokenizerFiles.MERGES_TXT);
        Files.writeString(merges, Files.readString(merges, StandardCharsets.UTF_8) + "Q Z\n", StandardCharsets.UTF_8);
        encodeRefused(gpt2Style, "merges.txt", "merge #" + (model.mergeCount() + 1), "\"QZ\" is not in the vocabulary");

        Path hf = tokenizerCopy("unknown-merges-hf", false);
        Path file = hf.resolve(TokenizerFiles.TOKENIZER_JSON);
        ObjectNode root = (ObjectNode) json(file);
        ((ArrayNode) root.path("model").path("merges")).insertArray(0).add("Qx").add("Z");
        Files.write(file, JSON.writeValueAsBytes(root));
        encodeRefused(hf, "tokenizer.json: merge #1: its left part \"Qx\" is not in the vocabulary");
    }

    // ---------------------------------------------------------------- existing output, unknown special

    @Test
    void anExistingOutputIsRefusedUnlessOverwrite() throws IOException {
        Path input = TestData.fixture("tinystories_sample.txt");
        Path parent = Files.createDirectories(tmp.resolve("out"));
        Path pre = Files.createDirectories(parent.resolve("pre"));
        Path tok = Files.createDirectories(parent.resolve("tok"));
        Path shards = Files.createDirectories(parent.resolve("shards"));
        for (Path dir : List.of(pre, tok, shards)) {
            Files.writeString(dir.resolve("keep.txt"), "an earlier result");
        }
        refused(pre, args("pretokenize", "--input", str(input), "--output", str(pre)),
                "output directory already exists", "pre", "--overwrite");
        Embedded.run(MASTER, "pretokenize", "--input", str(input), "--output", str(pre), "--overwrite");
        assertTrue(Files.exists(pre.resolve(PretokenizeJob.STATS)) && Files.notExists(pre.resolve("keep.txt")));

        refused(tok, args("bpe-merge", "--input", str(pre), "--vocab-size", "300", "--output", str(tok)),
                "output directory already exists", "tok", "--overwrite");
        Embedded.run(MASTER, "bpe-merge", "--input", str(pre), "--vocab-size", "300", "--output", str(tok), "--overwrite");
        assertTrue(Files.exists(tok.resolve(TokenizerFiles.MERGES_TXT)) && Files.notExists(tok.resolve("keep.txt")));

        refused(shards, args("encode-shards", "--tokenizer", str(tok), "--input", str(input), "--output", str(shards)),
                "output directory already exists", "shards", "--overwrite");
        Embedded.run(MASTER, "encode-shards", "--tokenizer", str(tok), "--input", str(input), "--output", str(shards),
                "--overwrite");
        assertTrue(Files.exists(shards.resolve(ShardManifest.FILE_NAME)) && Files.notExists(shards.resolve("keep.txt")));
        try (Stream<Path> left = Files.list(parent)) {
            assertEquals(List.of("pre", "shards", "tok"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging or checkpoint folders left next to the outputs");
        }
    }

    @Test
    void aSpecialTokenTheTokenizerDoesNotHaveIsRefused() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("result");
        refused(out, args("encode-shards", "--tokenizer", str(tokenizer), "--special-token", "<|nope|>", "--input",
                str(TestData.fixture("address.txt")), "--output", str(out)),
                "special token <|nope|> is not in the tokenizer", str(tokenizer), "<|endoftext|>");
    }

    // ---------------------------------------------------------------- one 1 GiB document

    /**
     * One document of text with no separator, built from units whose pre-tokens are known: a word at
     * the start of a line, a word or number after a space, a comma, and ".\n" ending a line. Every
     * unit's pre-tokens are the same in context as alone (a unit starts where the one before ends a
     * pre-token), so the document's pre-token counts and token ids follow from the sequence of units.
     */
    static final class OneDocument {
        private static final String[] WORDS = {"the", "a", "and", "to", "of", "in", "was", "she", "he", "it", "they",
            "said", "with", "for", "on", "her", "his", "little", "big", "day", "time", "very", "happy", "friend",
            "play", "went", "saw", "park", "tree", "ball", "dog", "cat", "bird", "sun", "water", "house", "mom",
            "dad", "Lily", "Tom", "Ben", "Sue", "red", "blue", "green", "run", "jump", "look", "found", "wanted",
            "don't", "it's", "we'll", "they're", "I've", "can't", "Once", "upon", "There", "One", "together",
            "because", "suddenly", "smiled", "laughed", "garden", "flower", "toy", "box", "school", "teacher",
            "über", "naïve", "café", "Привет", "日本"};
        static final String[] UNITS;
        static final List<List<String>> PRETOKENS = new ArrayList<>();
        static final int COMMA;
        static final int LINE_END;

        static {
            List<String> units = new ArrayList<>();
            for (String w : WORDS) {
                int apostrophe = w.indexOf('\'');
                units.add(w); // at the start of a line
                PRETOKENS.add(apostrophe < 0 ? List.of(w) : List.of(w.substring(0, apostrophe), w.substring(apostrophe)));
                units.add(" " + w);
                PRETOKENS.add(apostrophe < 0 ? List.of(" " + w)
                        : List.of(" " + w.substring(0, apostrophe), w.substring(apostrophe)));
            }
            for (int n = 0; n < 100; n++) {
                units.add(" " + n);
                PRETOKENS.add(List.of(" " + n));
            }
            COMMA = units.size();
            units.add(",");
            PRETOKENS.add(List.of(","));
            LINE_END = units.size();
            units.add(".\n");
            PRETOKENS.add(List.of(".", "\n"));
            UNITS = units.toArray(new String[0]);
        }

        private OneDocument() {
        }

        /** The units of a document of at least {@code minBytes} bytes, in order, the same for the same seed. */
        static void units(long seed, long minBytes, IntConsumer unit) {
            SplittableRandom random = new SplittableRandom(seed);
            int[] lengths = Arrays.stream(UNITS).mapToInt(u -> u.getBytes(StandardCharsets.UTF_8).length).toArray();
            int words = WORDS.length;
            long bytes = 0;
            while (bytes < minBytes) {
                int first = 2 * random.nextInt(words);
                unit.accept(first);
                bytes += lengths[first];
                for (int n = 4 + random.nextInt(11); n > 0; n--) {
                    int next = random.nextInt(8) == 0 ? 2 * words + random.nextInt(100) : 2 * random.nextInt(words) + 1;
                    unit.accept(next);
                    bytes += lengths[next];
                    if (n > 1 && random.nextInt(8) == 0) {
                        unit.accept(COMMA);
                        bytes += 1;
                    }
                }
                unit.accept(LINE_END);
                bytes += 2;
            }
        }

        /** Writes the document; returns how many times each unit occurs. */
        static long[] write(Path file, long seed, long minBytes) throws IOException {
            byte[][] encoded = Arrays.stream(UNITS).map(u -> u.getBytes(StandardCharsets.UTF_8))
                    .toArray(byte[][]::new);
            long[] counts = new long[UNITS.length];
            byte[] buf = new byte[1 << 20];
            int[] len = {0};
            try (OutputStream out = Files.newOutputStream(file)) {
                IOException[] failed = {null};
                units(seed, minBytes, u -> {
                    counts[u]++;
                    byte[] b = encoded[u];
                    if (len[0] + b.length > buf.length) {
                        try {
                            out.write(buf, 0, len[0]);
                        } catch (IOException e) {
                            failed[0] = e;
                        }
                        len[0] = 0;
                    }
                    System.arraycopy(b, 0, buf, len[0], b.length);
                    len[0] += b.length;
                });
                out.write(buf, 0, len[0]);
                if (failed[0] != null) {
                    throw failed[0];
                }
            }
            return counts;
        }

        /** Pre-token (bytes as ISO-8859-1) → count, from the units' counts. */
        static Map<String, Long> pretokenCounts(long[] unitCounts) {
            Map<String, Long> out = new HashMap<>();
            for (int u = 0; u < unitCounts.length; u++) {
                for (String t : PRETOKENS.get(u)) {
                    if (unitCounts[u] > 0) {
                        out.merge(new String(t.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1),
                                unitCounts[u], Long::sum);
                    }
                }
            }
            return out;
        }
    }

    /** Spark's JVM flags: the spark.jvm.flags property of the root pom.xml, as bin/pipeline reads it. */
    static List<String> sparkJvmFlags() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom)) {
                Matcher m = Pattern.compile("<spark\\.jvm\\.flags>(.*)</spark\\.jvm\\.flags>")
                        .matcher(Files.readString(pom, StandardCharsets.UTF_8));
                if (m.find()) {
                    return List.of(m.group(1).trim().split("\\s+"));
                }
            }
        }
        throw new IllegalStateException("no pom.xml with <spark.jvm.flags> above " + Path.of("").toAbsolutePath());
    }

    /** Runs the command line in a child JVM with a small heap; returns its exit code (output in {@code log}). */
    static int childJvm(String heap, Path log, Path localDir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError"));
        cmd.addAll(sparkJvmFlags());
        cmd.add("-Dspark.master=local[2]");
        cmd.add("-Dspark.local.dir=" + localDir);
        String log4j = System.getProperty("log4j2.configurationFile");
        if (log4j != null) {
            cmd.add("-Dlog4j2.configurationFile=" + log4j);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.bpespark.jobs.cli.PipelineCli"));
        cmd.addAll(List.of(args));
        Files.createDirectories(localDir);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("pipeline " + String.join(" ", args) + " did not finish in 300 s:\n" + tail(log));
        }
        return p.exitValue();
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * A 1 GiB document with no separator, pre-tokenized and encoded in a child JVM whose heap (512 MiB) is
     * half the document: both finish, and their results are exact: every pre-token count, and every
     * token id of the shards against the ids its units encode to.
     */
    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES) // ≈ 80 s on an idle 2-core machine
    void aOneGibDocumentWithNoSeparatorIsReadInASmallHeap() throws Exception {
        long seed = 20240601L;
        Path big = tmp.resolve("one-document.txt");
        long started = System.nanoTime();
        long[] unitCounts = OneDocument.write(big, seed, 1L << 30);
        long size = Files.size(big);
        assertTrue(size >= 1L << 30 && size > 2L * 512 * 1024 * 1024);
        Map<String, Long> expected = OneDocument.pretokenCounts(unitCounts);
        long expectedTotal = expected.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("wrote %,d bytes in %.1f s%n", size, (System.nanoTime() - started) / 1e9);

        Path pre = tmp.resolve("pre");
        Path preLog = tmp.resolve("pretokenize.log");
        started = System.nanoTime();
        int code = childJvm("512m", preLog, tmp.resolve("spark-local"), "pretokenize", "--input", str(big), "--output",
                str(pre));
        System.out.printf("pretokenize in a 512 MiB heap: %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertEquals(0, code, () -> "pretokenize of a 1 GiB document in a 512 MiB heap failed:\n" + tailQuietly(preLog));
        JsonNode stats = json(pre.resolve(PretokenizeJob.STATS));
        assertEquals(1, stats.path("documents").asLong());
        assertEquals(size, stats.path("document_bytes").asLong());
        assertEquals(expectedTotal, stats.path("total_pretokens").asLong());
        assertEquals(expected.size(), stats.path("distinct_pretokens").asLong());
        assertEquals(expected, pretokenCounts(pre));

        Path shards = tmp.resolve("shards");
        Path encodeLog = tmp.resolve("encode-shards.log");
        started = System.nanoTime();
        code = childJvm("512m", encodeLog, tmp.resolve("spark-local"), "encode-shards", "--tokenizer", str(tokenizer),
                "--input", str(big), "--output", str(shards));
        System.out.printf("encode-shards in a 512 MiB heap: %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertEquals(0, code, () -> "encode-shards of a 1 GiB document in a 512 MiB heap failed:\n"
                + tailQuietly(encodeLog));
        Files.delete(big);
        assertShardsHoldTheUnitsIds(shards, seed);
    }

    /** The shards hold one document: the ids of the document's units, in order, then EOT. */
    private static void assertShardsHoldTheUnitsIds(Path shards, long seed) throws IOException {
        Tokenizer encoder = new Tokenizer(model);
        int[][] unitIds = Arrays.stream(OneDocument.UNITS).map(encoder::encodeOrdinary).toArray(int[][]::new);
        ShardManifest manifest = ShardManifest.fromJson(Files.readAllBytes(shards.resolve(ShardManifest.FILE_NAME)),
                str(shards));
        assertEquals(1, manifest.totalDocuments());
        List<ShortBuffer> ids = new ArrayList<>();
        for (ShardManifest.Shard s : manifest.shards()) {
            try (FileChannel ch = FileChannel.open(shards.resolve(s.file()))) {
                ids.add(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size())
                        .order(ByteOrder.LITTLE_ENDIAN).asShortBuffer());
            }
        }
        long[] position = {0};
        int[] shard = {0};
        IntSupplier nextId = () -> {
            while (!ids.get(shard[0]).hasRemaining()) {
                shard[0]++;
            }
            position[0]++;
            return Short.toUnsignedInt(ids.get(shard[0]).get());
        };
        OneDocument.units(seed, 1L << 30, u -> {
            for (int id : unitIds[u]) {
                int actual = nextId.getAsInt();
                if (actual != id) {
                    throw new AssertionError("token " + (position[0] - 1) + " is " + actual + ", expected " + id
                            + " (unit \"" + OneDocument.UNITS[u] + "\")");
                }
            }
        });
        assertEquals(model.specialId(EOT), nextId.getAsInt(), "the document ends with EOT");
        assertEquals(manifest.totalTokens(), position[0], "no tokens after the document");
    }

    private static String tailQuietly(Path log) {
        try {
            return tail(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}

package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.format.MergesTxt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three jobs embedded (Spark local[n] in this JVM): reference merges and determinism. */
class EmbeddedJobsTest {
    @TempDir
    Path tmp;

    @Test
    void bpeMergeOnCorpusEnGivesTheReferenceMerges() throws IOException {
        Path pre = tmp.resolve("pre");
        Path tok = tmp.resolve("tok");
        Embedded.run("local[2]", "pretokenize", "--input", TestData.fixture("corpus.en").toString(),
                "--output", pre.toString());
        Embedded.run("local[2]", "bpe-merge", "--input", pre.toString(), "--vocab-size", "500",
                "--output", tok.toString());
        List<Merge> expected;
        try (InputStream in = Files.newInputStream(TestData.fixture("train-bpe-reference-merges.txt"))) {
            expected = MergesTxt.read(in, "train-bpe-reference-merges.txt");
        }
        assertEquals(expected, Embedded.merges(tok));
        assertTrue(Files.exists(tok.resolve("vocab.json")) && Files.exists(tok.resolve("tokenizer.json"))
                && Files.exists(tok.resolve("report.json")));
    }

    /**
     * The same corpus (several files; one plain text file large enough to be cut into many splits)
     * with local[1] and default splits, and with local[2] and 64 KiB splits: merges, vocab and every
     * shard byte must be identical.
     */
    @Test
    void outputsDoNotDependOnPartitioning() throws IOException {
        Path corpus = Files.createDirectories(tmp.resolve("corpus"));
        Files.copy(TestData.fixture("tinystories_sample.txt"), corpus.resolve("a.txt"));
        Files.copy(TestData.corpus("tinystories_en_real.txt.zst"), corpus.resolve("b.txt.zst"));
        try (InputStream in = CorpusChunks.open(TestData.corpus("tinystories_en_real.txt.zst"))) {
            Files.write(corpus.resolve("c.txt"), in.readAllBytes());
        }
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        Embedded.run("local[1]", "run", "--input", corpus.toString(), "--output", one.toString(),
                "--vocab-size", "1000", "--shard-tokens", "100000");
        Embedded.run("local[2]", "run", "--input", corpus.toString(), "--output", two.toString(),
                "--vocab-size", "1000", "--shard-tokens", "100000", "--max-split-bytes", "65536");
        Map<String, byte[]> a = Embedded.files(one);
        Map<String, byte[]> b = Embedded.files(two);
        assertTrue(a.containsKey("shards/shard-00004.bin"), "expected several shards, got " + a.keySet());
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name), b.get(name), name + " differs between local[1] and local[2] with small splits");
        }
    }
}

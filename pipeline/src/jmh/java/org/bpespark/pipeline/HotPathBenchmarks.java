package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.text.PreTokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * JMH micro-benchmarks of the hot paths on 4 MB of web_like_en: the pre-tokenizer scan, the merges
 * inside single pre-tokens ({@link WordEncoder}, what a cache miss costs), and the encoder with its
 * cache. In the engine's package to reach the package-private {@code WordEncoder}.
 * Run: {@code java -cp <pipeline test classpath> org.openjdk.jmh.Main HotPathBenchmarks -p shared=../shared}
 * (bin/bench --only jmh does this).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class HotPathBenchmarks {
    public String shared = "../shared";
    private byte[] text;
    private Tokenizer tokenizer;
    private BpeModel model;
    private WordEncoder wordEncoder;
    private int[][] words;
    private final int[] scratch = new int[64];
    private final IntArrayList ids = new IntArrayList();

    @Setup
    public void load() throws IOException {
        Path corpora = Path.of(System.getProperty("shared", shared), "corpora");
        try (InputStream in = CorpusChunks.open(corpora.resolve("web_like_en.txt.zst"))) {
            text = in.readNBytes(4_000_000);
        }
        Path gpt2 = Files.createTempDirectory("gpt2");
        Path fixtures = Path.of(System.getProperty("shared", shared), "conformance/cs336/fixtures");
        Files.copy(fixtures.resolve("gpt2_vocab.json"), gpt2.resolve("vocab.json"));
        Files.copy(fixtures.resolve("gpt2_merges.txt"), gpt2.resolve("merges.txt"));
        model = TokenizerFiles.load(TokenizerFiles.localDir(gpt2));
        tokenizer = new Tokenizer(model);
        wordEncoder = new WordEncoder(model);
        words = List.of(" the", " tokenization", " Internationalization", "1234567890", " \u00e9l\u00e8ve",
                " pneumonoultramicroscopic").stream().map(w -> {
                    byte[] b = w.getBytes(StandardCharsets.UTF_8);
                    int[] symbols = new int[b.length];
                    for (int i = 0; i < b.length; i++) {
                        symbols[i] = model.idOfByte(b[i]);
                    }
                    return symbols;
                }).toArray(int[][]::new);
    }

    /** Pre-tokens per second of the GPT-2 scanner over 4 MB (one invocation = the whole text). */
    @Benchmark
    public void preTokenize(Blackhole bh) {
        PreTokenizer.split(text, 0, text.length, (b, s, e) -> bh.consume(e));
    }

    /** The merges of six pre-tokens (3 to 24 bytes), as on a cache miss. */
    @Benchmark
    public void mergeWords(Blackhole bh) {
        for (int[] w : words) {
            System.arraycopy(w, 0, scratch, 0, w.length);
            bh.consume(wordEncoder.merge(scratch, w.length));
        }
    }

    /** The encoder over 4 MB with its cache warm. */
    @Benchmark
    public void encode(Blackhole bh) {
        ids.clear();
        tokenizer.encode(text, 0, text.length, ids);
        bh.consume(ids.size());
    }
}

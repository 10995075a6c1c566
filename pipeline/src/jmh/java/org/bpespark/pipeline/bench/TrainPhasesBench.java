package org.bpespark.pipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.PreTokenCounts;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.text.PreTokenizer;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * Training's phases one after the other on one thread, each timed alone: read (decompress the
 * corpus into memory), pre-tokenize (split on special tokens and run the GPT-2 scanner, counting
 * nothing), count (the same scan, each pre-token counted: so count - pre-tokenize is the counting
 * itself), merge loop, write (vocab.json, merges.txt, tokenizer.json). {@code train-local} runs the
 * first three fused and on several threads; this shows what each costs. Each phase runs once after
 * one untimed warm-up of the scan, so the JIT has compiled the scanner.
 *
 * <pre>java -cp TEST_CLASSPATH org.bpespark.pipeline.bench.TrainPhasesBench FILE VOCAB_SIZE OUT_DIR</pre>
 */
public final class TrainPhasesBench {
    private static final List<String> EOT = List.of("<|endoftext|>");

    private TrainPhasesBench() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int vocabSize = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        SpecialTokens specials = new SpecialTokens(EOT);

        long start = System.nanoTime();
        List<byte[]> chunks = new ArrayList<>();
        CorpusChunks.read(file, specials, 8 << 20, (buf, len) -> chunks.add(java.util.Arrays.copyOf(buf, len)));
        double read = seconds(start);

        long[] preTokens = {0};
        PreTokenizer.Sink countOnly = (buf, from, to) -> preTokens[0]++;
        SpecialTokens.Visitor scan = new SpecialTokens.Visitor() {
            @Override
            public void text(byte[] buf, int from, int to) {
                PreTokenizer.split(buf, from, to, countOnly);
            }

            @Override
            public void special(int index) {
            }
        };
        for (byte[] chunk : chunks.subList(0, Math.min(2, chunks.size()))) { // warm-up
            specials.split(chunk, 0, chunk.length, scan);
        }
        preTokens[0] = 0;
        start = System.nanoTime();
        for (byte[] chunk : chunks) {
            specials.split(chunk, 0, chunk.length, scan);
        }
        double preTokenize = seconds(start);

        start = System.nanoTime();
        PreTokenCounter counter = new PreTokenCounter(specials);
        for (byte[] chunk : chunks) {
            counter.add(chunk, 0, chunk.length);
        }
        PreTokenCounts table = counter.toCounts();
        double count = seconds(start);

        start = System.nanoTime();
        BpeModel model = new BpeTrainer(vocabSize, EOT).train(table);
        double loop = seconds(start);

        start = System.nanoTime();
        Files.createDirectories(out);
        for (Map.Entry<String, byte[]> f : TokenizerFiles.serialize(model).entrySet()) {
            Files.write(out.resolve(f.getKey()), f.getValue());
        }
        double write = seconds(start);

        long bytes = chunks.stream().mapToLong(c -> c.length).sum();
        System.out.printf(Locale.ROOT, "phases: %s, %,d bytes, %,d pre-tokens, %,d distinct, %,d merges%n",
                file.getFileName(), bytes, preTokens[0], table.size(), model.mergeCount());
        System.out.printf(Locale.ROOT, "phases read_s=%.3f pretokenize_s=%.3f count_s=%.3f merge_loop_s=%.3f write_s=%.3f%n",
                read, preTokenize, count, loop, write);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}

package org.bpespark.pipeline.bench;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.Tokenizer;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * What two cores can give the encoder on this machine without Spark: the text cut into ~8 MB
 * splits at document ends (as encode-shards' partitions are), encoded on 1 and then on N plain
 * threads, each thread with its own new tokenizer (as each executor thread has), a fresh pool and
 * fresh tokenizers per run. Prints the median MB/s of each and their ratio: the ceiling for
 * encode-shards' speed-up over one core, which also pays for reading, checking and writing. Also
 * prints the first pass, made on N threads in the fresh JVM: what a single cold pass can give.
 *
 * <pre>java -cp TEST_CLASSPATH org.bpespark.pipeline.bench.ParallelEncodeBench FILE GPT2_DIR [--threads 2] [--runs 3]</pre>
 */
public final class ParallelEncodeBench {
    private static final int SPLIT_BYTES = 8 << 20;

    private ParallelEncodeBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> opts = Arrays.asList(args);
        Path file = Path.of(args[0]);
        BpeModel model = TokenizerFiles.load(TokenizerFiles.localDir(Path.of(args[1])));
        int threads = Integer.parseInt(EncodeBench.option(opts, "--threads", "2"));
        int runs = Integer.parseInt(EncodeBench.option(opts, "--runs", "3"));
        List<byte[]> splits = new ArrayList<>();
        long[] bytes = {0};
        CorpusChunks.read(file, new SpecialTokens(model.specialTokens()), SPLIT_BYTES, (buf, len) -> {
            splits.add(Arrays.copyOf(buf, len));
            bytes[0] += len;
        });
        // The first pass, on N threads in this fresh JVM, pays what a single encode-shards job pays:
        // the JIT compiling the encoder while it runs, and every thread's cache filling from empty.
        long start = System.nanoTime();
        long tokens = encode(model, splits, threads);
        double cold = bytes[0] / 1e6 / ((System.nanoTime() - start) / 1e9);
        double one = medianMbPerS(model, splits, 1, runs, bytes[0]);
        double many = medianMbPerS(model, splits, threads, runs, bytes[0]);
        System.out.printf(Locale.ROOT, "parallel-encode: %s, %,d bytes, %,d tokens, %d splits%n", file.getFileName(),
                bytes[0], tokens, splits.size());
        System.out.printf(Locale.ROOT, "engine=ours-%d-threads-splits-cold-jvm mb_per_s=%.2f%n", threads, cold);
        System.out.printf(Locale.ROOT, "engine=ours-1-thread-splits mb_per_s=%.2f%n", one);
        System.out.printf(Locale.ROOT, "engine=ours-%d-threads-splits mb_per_s=%.2f%n", threads, many);
        System.out.printf(Locale.ROOT, "ratio %d-threads/1-thread=%.2f%n", threads, many / one);
    }

    private static double medianMbPerS(BpeModel model, List<byte[]> splits, int threads, int runs, long bytes)
            throws Exception {
        double[] mbs = new double[runs];
        for (int r = 0; r < runs; r++) {
            long start = System.nanoTime();
            encode(model, splits, threads);
            mbs[r] = bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
        }
        Arrays.sort(mbs);
        return mbs[runs / 2];
    }

    /** Encodes every split on a new pool of {@code threads}, one new tokenizer per thread; returns the token count. */
    private static long encode(BpeModel model, List<byte[]> splits, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        ThreadLocal<Tokenizer> tokenizers = ThreadLocal.withInitial(() -> new Tokenizer(model));
        try {
            List<Future<Integer>> counts = new ArrayList<>();
            for (byte[] split : splits) {
                counts.add(pool.submit(() -> {
                    IntArrayList ids = new IntArrayList();
                    tokenizers.get().encode(split, 0, split.length, ids);
                    return ids.size();
                }));
            }
            long total = 0;
            for (Future<Integer> count : counts) {
                total += count.get();
            }
            return total;
        } finally {
            pool.shutdown();
        }
    }
}

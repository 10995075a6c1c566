package org.bpespark.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * Pre-token counting of local files on several threads, for training without Spark: one thread
 * reads chunks that end after a special token ({@link CorpusChunks}), the others count them into
 * counters of their own, which are added up at the end. Chunks never split a pre-token, so the
 * counts equal single-threaded counting.
 */
public final class ParallelCounting {
    private static final byte[] END = new byte[0];

    private ParallelCounting() {
    }

    /** Counts the files' pre-tokens with {@code threads} counting threads; returns the counter and the bytes read. */
    public static PreTokenCounter count(List<Path> files, List<String> specials, int threads, long[] bytesRead)
            throws IOException {
        SpecialTokens specialTokens = new SpecialTokens(specials);
        BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(threads * 2);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<PreTokenCounter>> counters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            counters.add(pool.submit(() -> {
                PreTokenCounter counter = new PreTokenCounter(specialTokens);
                for (byte[] chunk; (chunk = chunks.take()) != END; ) {
                    counter.add(chunk, 0, chunk.length);
                }
                return counter;
            }));
        }
        try {
            for (Path file : files) {
                CorpusChunks.read(file, specialTokens, 8 << 20, (buf, len) -> {
                    bytesRead[0] += len;
                    put(chunks, Arrays.copyOf(buf, len));
                });
            }
        } finally {
            for (int t = 0; t < threads; t++) {
                put(chunks, END);
            }
            pool.shutdown();
        }
        try {
            PreTokenCounter total = counters.get(0).get();
            for (int t = 1; t < threads; t++) {
                total.addAll(counters.get(t).get());
            }
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while counting", e);
        } catch (ExecutionException e) {
            throw new IOException("counting failed: " + e.getCause(), e.getCause());
        }
    }

    private static void put(BlockingQueue<byte[]> queue, byte[] chunk) {
        try {
            queue.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while reading", e));
        }
    }
}

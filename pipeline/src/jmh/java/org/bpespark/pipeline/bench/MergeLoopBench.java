package org.bpespark.pipeline.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.PreTokenCounts;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * The merge loop alone (32,000) as the pre-token table grows: the tables of the given corpora,
 * added one after the other, each cut to 1/8, 1/4, 1/2 and all of its rows. Prints one line per
 * table: {@code loop unique_words=N merges=M seconds=S peak_heap_mib=H}.
 */
public final class MergeLoopBench {
    private MergeLoopBench() {
    }

    public static void main(String[] args) throws IOException {
        SpecialTokens eot = new SpecialTokens(List.of("<|endoftext|>"));
        PreTokenCounter counter = new PreTokenCounter(eot);
        for (String file : args) {
            CorpusChunks.read(Path.of(file), eot, 16 << 20, (buf, len) -> counter.add(buf, 0, len));
            PreTokenCounts all = counter.toCounts();
            for (int part : new int[] {8, 4, 2, 1}) {
                PreTokenCounts table = new PreTokenCounts();
                for (int row = 0; row < all.size() / part; row++) {
                    table.add(all.token(row), all.count(row));
                }
                resetPeak();
                long start = System.nanoTime();
                BpeModel model = new BpeTrainer(32000, List.of("<|endoftext|>")).train(table);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "loop unique_words=%d merges=%d seconds=%.2f peak_heap_mib=%.0f%n",
                        table.size(), model.mergeCount(), seconds, peakHeap() / 1048576.0);
            }
        }
    }

    private static void resetPeak() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}

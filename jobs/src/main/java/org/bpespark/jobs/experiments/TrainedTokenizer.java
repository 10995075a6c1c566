package org.bpespark.jobs.experiments;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.io.IOException;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * A tokenizer trained by the engine for one domain, with the count each merge had when it was made
 * ({@code mergeCounts[rank]}, from {@link BpeTrainer#onMerge}).
 */
record TrainedTokenizer(Experiments.Domain domain, BpeModel model, long[] mergeCounts, long trainBytes,
        int uniquePreTokens, double trainSeconds) {

    /** Trains on the whole corpus, streamed, or on its first {@code maxBytes} bytes if that is not 0. */
    static TrainedTokenizer train(Experiments.Domain domain, SpecialTokens specials, int maxBytes) throws IOException {
        long start = System.nanoTime();
        PreTokenCounter counter = new PreTokenCounter(specials);
        long[] bytes = {0};
        if (maxBytes > 0) {
            CorpusSlice slice = CorpusSlice.read(domain.corpus(), specials, maxBytes);
            counter.add(slice.bytes(), 0, slice.length());
            bytes[0] = slice.length();
        } else {
            CorpusChunks.read(domain.corpus(), specials, 16 << 20, (buf, len) -> {
                counter.add(buf, 0, len);
                bytes[0] += len;
            });
        }
        LongArrayList counts = new LongArrayList();
        BpeModel model = new BpeTrainer(domain.vocabSize(), specials.tokens())
                .onMerge((rank, merge, count) -> counts.add(count))
                .train(counter.toCounts());
        return new TrainedTokenizer(domain, model, counts.toLongArray(), bytes[0], counter.distinct(),
                (System.nanoTime() - start) / 1e9);
    }

    String name() {
        return domain.name();
    }
}

package org.bpespark.jobs.experiments;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.Tokenizer;

/**
 * One tokenizer's encoding of one corpus slice, kept as counts: how many tokens, and how often each
 * id was used. Special tokens (the document separators) count as tokens, as in the shards'
 * {@code bytes_per_token}.
 */
record CorpusEncoding(long bytes, long tokens, long[] usage) {

    static CorpusEncoding of(BpeModel model, CorpusSlice slice) {
        IntArrayList ids = new IntArrayList(slice.length() / 2);
        new Tokenizer(model).encode(slice.bytes(), 0, slice.length(), ids);
        long[] usage = new long[model.vocabSize()];
        for (int i = 0; i < ids.size(); i++) {
            usage[ids.getInt(i)]++;
        }
        return new CorpusEncoding(slice.length(), ids.size(), usage);
    }

    double bytesPerToken() {
        return tokens == 0 ? 0 : (double) bytes / tokens;
    }

    /**
     * Encode throughput in MB/s (10^6 bytes) on one thread, once per run, each run with a fresh
     * {@link Tokenizer} (its pre-token cache starts empty, as on a new executor) appending to a list
     * allocated beforehand. Call it after the JIT has warmed up, e.g. after {@link #of}. Each run must
     * give this encoding's token count.
     */
    double[] throughputRuns(BpeModel model, CorpusSlice slice, int runs) {
        double[] mbPerS = new double[runs];
        IntArrayList ids = new IntArrayList((int) tokens);
        for (int run = 0; run < runs; run++) {
            ids.clear();
            Tokenizer tokenizer = new Tokenizer(model);
            long start = System.nanoTime();
            tokenizer.encode(slice.bytes(), 0, slice.length(), ids);
            mbPerS[run] = slice.length() / 1e6 / ((System.nanoTime() - start) / 1e9);
            if (ids.size() != tokens) {
                throw new IllegalStateException("a timed encoding of " + slice.file() + " gave " + ids.size()
                        + " tokens, the first gave " + tokens);
            }
        }
        return mbPerS;
    }
}

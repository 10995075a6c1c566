package org.bpespark.pipeline;

import java.nio.charset.StandardCharsets;
import org.bpespark.pipeline.text.PreTokenizer;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * Counts pre-tokens of text in memory: split on special tokens (which are dropped), pre-tokenize
 * each piece with the GPT-2 pattern, count each pre-token's bytes. This is the map-side combine of
 * the Spark job and the whole counting step of single-JVM training. Not thread-safe.
 */
public final class PreTokenCounter {
    private final SpecialTokens specials;
    private final SliceCounts counts = new SliceCounts();
    private final PreTokenizer.Sink countOne = counts::increment;
    private final SpecialTokens.Visitor visitor = new SpecialTokens.Visitor() {
        @Override
        public void text(byte[] buf, int start, int end) {
            PreTokenizer.split(buf, start, end, countOne);
        }

        @Override
        public void special(int index) {
            // Special tokens separate documents; they add nothing to any count.
        }
    };

    public PreTokenCounter(SpecialTokens specials) {
        this.specials = specials;
    }

    public void add(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        add(utf8, 0, utf8.length);
    }

    /** Counts the pre-tokens of {@code utf8[from, to)}. */
    public void add(byte[] utf8, int from, int to) {
        specials.split(utf8, from, to, visitor);
    }

    /** Adds another counter's counts to this one's (to combine counters of parallel threads). */
    public void addAll(PreTokenCounter other) {
        other.counts.forEach((token, count) -> counts.add(token, 0, token.length, count));
    }

    /** Distinct pre-tokens counted so far. */
    public int distinct() {
        return counts.size();
    }

    /** Visits each distinct pre-token with its count. */
    public void forEach(java.util.function.ObjLongConsumer<byte[]> consumer) {
        counts.forEach(consumer);
    }

    public PreTokenCounts toCounts() {
        PreTokenCounts table = new PreTokenCounts();
        forEach(table::add);
        return table;
    }

    public void clear() {
        counts.clear();
    }
}

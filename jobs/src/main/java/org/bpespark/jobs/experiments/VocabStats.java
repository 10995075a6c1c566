package org.bpespark.jobs.experiments;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.bpespark.jobs.Metrics;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.format.ByteLevel;

/**
 * Token lengths in bytes over one vocabulary: histograms over the vocabulary and over a corpus's
 * encoding, and the longest tokens. Special tokens are left out of all of them (the separator's 13
 * bytes say nothing about what BPE learned). The jobs' reports list their longest tokens with it too.
 */
public final class VocabStats {
    private final BpeModel model;
    /** Bytes of each ordinary token by id; 0 for special tokens. */
    private final int[] lengthById;
    private final int longest;

    public VocabStats(BpeModel model) {
        this.model = model;
        this.lengthById = new int[model.vocabSize()];
        int max = 0;
        for (int id = 0; id < lengthById.length; id++) {
            if (!model.isSpecialId(id)) {
                lengthById[id] = model.tokenBytes(id).length;
                max = Math.max(max, lengthById[id]);
            }
        }
        this.longest = max;
    }

    /** {@code histogram[n]}: ordinary tokens of n bytes in the vocabulary; index 0 is always 0. */
    long[] lengthHistogram() {
        long[] histogram = new long[longest + 1];
        for (int id = 0; id < lengthById.length; id++) {
            if (lengthById[id] > 0) {
                histogram[lengthById[id]]++;
            }
        }
        return histogram;
    }

    /** {@code histogram[n]}: uses of ordinary tokens of n bytes, given uses by id (e.g. in an encoding). */
    long[] lengthHistogram(long[] usesById) {
        long[] histogram = new long[longest + 1];
        for (int id = 0; id < lengthById.length; id++) {
            if (lengthById[id] > 0) {
                histogram[lengthById[id]] += usesById[id];
            }
        }
        return histogram;
    }

    /** Mean length of a histogram's entries. */
    static double mean(long[] histogram) {
        double sum = 0;
        long n = 0;
        for (int length = 0; length < histogram.length; length++) {
            sum += (double) length * histogram[length];
            n += histogram[length];
        }
        return n == 0 ? 0 : sum / n;
    }

    /**
     * The {@code n} longest ordinary tokens, longest first (ties: lower id first): id, length, bytes
     * in hex, the text they decode to (U+FFFD for a partial UTF-8 sequence) and their GPT-2 mapped
     * form as {@code vocab.json} writes it.
     */
    public ArrayNode longestTokens(int n) {
        ArrayNode out = Metrics.JSON.createArrayNode();
        int listed = 0;
        // Walk the lengths downwards: a counting sort, ids ascending within one length.
        for (int length = longest; length > 0 && listed < n; length--) {
            for (int id = 0; id < lengthById.length && listed < n; id++) {
                if (lengthById[id] == length) {
                    byte[] bytes = model.tokenBytes(id);
                    ObjectNode token = out.addObject();
                    token.put("id", id);
                    token.put("length", length);
                    token.put("hex", HexFormat.of().formatHex(bytes));
                    token.put("text", new String(bytes, StandardCharsets.UTF_8));
                    token.put("mapped", ByteLevel.encode(bytes));
                    listed++;
                }
            }
        }
        return out;
    }
}

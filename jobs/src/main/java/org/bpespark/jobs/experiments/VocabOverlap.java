package org.bpespark.jobs.experiments;

import it.unimi.dsi.fastutil.bytes.ByteArrays;
import it.unimi.dsi.fastutil.objects.ObjectOpenCustomHashSet;
import java.util.List;
import java.util.Set;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeModel.Merge;

/**
 * How much two vocabularies share, as sets of byte strings (ids differ between tokenizers, bytes do
 * not). Overall: the ordinary tokens (256 bytes + merge results; special tokens left out). Within
 * the first k merges: the tokens the first k merges of each tokenizer created, for every k up to
 * the smaller merge count, so the 256 bytes both always share do not hide how the merges diverge.
 *
 * @param sharedByK {@code sharedByK[k-1]}: tokens created by the first k merges of both
 * @param jaccardByK {@code jaccardByK[k-1]}: shared / union of those two sets
 */
record VocabOverlap(int sizeA, int sizeB, int shared, int union, int[] sharedByK, double[] jaccardByK) {

    static VocabOverlap of(BpeModel a, BpeModel b) {
        Set<byte[]> tokensA = ordinaryTokens(a);
        Set<byte[]> tokensB = ordinaryTokens(b);
        int shared = 0;
        for (byte[] token : tokensA) {
            if (tokensB.contains(token)) {
                shared++;
            }
        }
        List<Merge> mergesA = a.merges();
        List<Merge> mergesB = b.merges();
        int kMax = Math.min(mergesA.size(), mergesB.size());
        int[] sharedByK = new int[kMax];
        double[] jaccardByK = new double[kMax];
        Set<byte[]> createdA = new ObjectOpenCustomHashSet<>(ByteArrays.HASH_STRATEGY);
        Set<byte[]> createdB = new ObjectOpenCustomHashSet<>(ByteArrays.HASH_STRATEGY);
        int sharedSoFar = 0;
        for (int k = 0; k < kMax; k++) {
            // A merge may recreate a token an earlier merge made (ab+c after a+bc): sets, not counts.
            byte[] newA = mergesA.get(k).merged();
            if (createdA.add(newA) && createdB.contains(newA)) {
                sharedSoFar++;
            }
            byte[] newB = mergesB.get(k).merged();
            if (createdB.add(newB) && createdA.contains(newB)) {
                sharedSoFar++;
            }
            sharedByK[k] = sharedSoFar;
            jaccardByK[k] = (double) sharedSoFar / (createdA.size() + createdB.size() - sharedSoFar);
        }
        return new VocabOverlap(tokensA.size(), tokensB.size(), shared, tokensA.size() + tokensB.size() - shared,
                sharedByK, jaccardByK);
    }

    private static Set<byte[]> ordinaryTokens(BpeModel model) {
        Set<byte[]> tokens = new ObjectOpenCustomHashSet<>(ByteArrays.HASH_STRATEGY);
        for (int id = 0; id < model.vocabSize(); id++) {
            if (!model.isSpecialId(id)) {
                tokens.add(model.tokenBytes(id));
            }
        }
        return tokens;
    }

    double jaccard() {
        return union == 0 ? 1 : (double) shared / union;
    }
}

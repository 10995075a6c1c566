package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.bytes.ByteArrays;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import it.unimi.dsi.fastutil.objects.Object2IntOpenCustomHashMap;
import it.unimi.dsi.fastutil.objects.ObjectArrayList;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.format.ByteLevel;

/**
 * Byte-level BPE training with CS336 semantics: pair counts over distinct pre-tokens weighted by
 * their counts, merges only inside pre-tokens, the highest count wins and ties go to the
 * lexicographically greatest (left bytes, right bytes).
 *
 * <p>Incremental: an index from each pair to the words that contain it and a heap with lazy
 * invalidation ({@link PairHeap}), so one merge costs time proportional to the words it touches,
 * not to the corpus. Counts are {@code long}: a pair can occur more than 2^31 times in a big corpus.
 *
 * <p>If a merge yields bytes that are already a token (possible in BPE: {@code ab+c} and
 * {@code a+bc}), the existing id is reused, as HuggingFace does, so the vocabulary holds no
 * duplicates; training then continues until the vocabulary reaches its size.
 */
public final class BpeTrainer {

    /** Called after each merge, in order; for progress, reports and checkpoints. */
    public interface MergeListener {
        void onMerge(int rank, Merge merge, long count);
    }

    private final int vocabSize;
    private final List<String> specialTokens;
    private MergeListener listener = (rank, merge, count) -> { };

    public BpeTrainer(int vocabSize, List<String> specialTokens) {
        int minimum = 256 + specialTokens.size();
        if (vocabSize < minimum) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " is below 256 bytes + "
                    + specialTokens.size() + " special token(s) = " + minimum);
        }
        this.vocabSize = vocabSize;
        this.specialTokens = List.copyOf(specialTokens);
    }

    public BpeTrainer onMerge(MergeListener listener) {
        this.listener = listener;
        return this;
    }

    /** Trains from scratch on a table of pre-token counts. */
    public BpeModel train(PreTokenCounts table) {
        int[][] words = new int[table.size()][];
        long[] counts = new long[table.size()];
        for (int row = 0; row < table.size(); row++) {
            byte[] token = table.token(row);
            int[] symbols = new int[token.length];
            for (int i = 0; i < token.length; i++) {
                symbols[i] = ByteLevel.idOfByte(token[i]);
            }
            words[row] = symbols;
            counts[row] = table.count(row);
        }
        return resume(List.of(), words, counts, null);
    }

    /**
     * Continues training after {@code priorMerges}. {@code words} must already be encoded with those
     * merges (ids in the standard layout of {@link BpeModel#of}); the Spark job does that on the
     * executors when it resumes from a checkpoint. The arrays are modified.
     *
     * @param pairCounts the pairs' counts over {@code words} if already counted (the Spark job counts
     *     them map-reduce style on the executors), or null to count them here
     */
    public BpeModel resume(List<Merge> priorMerges, int[][] words, long[] counts, Long2LongOpenHashMap pairCounts) {
        MergeLoop loop = new MergeLoop(priorMerges, words, counts, pairCounts);
        List<Merge> merges = new ArrayList<>(priorMerges);
        int specialsToAdd = (int) specialTokens.stream()
                .filter(s -> loop.idOf(s.getBytes(StandardCharsets.UTF_8)) < 0).count();
        while (loop.vocabSize() + specialsToAdd < vocabSize) {
            Merge merge = loop.mergeBest();
            if (merge == null) {
                break; // no pair left anywhere: the corpus cannot fill the vocabulary
            }
            listener.onMerge(merges.size(), merge, loop.lastCount);
            merges.add(merge);
        }
        return BpeModel.of(merges, specialTokens);
    }

    /** The mutable state of one training run. */
    private static final class MergeLoop {
        private final ObjectArrayList<byte[]> tokenBytes = new ObjectArrayList<>();
        private final Object2IntOpenCustomHashMap<byte[]> idOf = new Object2IntOpenCustomHashMap<>(ByteArrays.HASH_STRATEGY);
        private final int[][] words;
        private final long[] counts;
        /** Merge number that last touched each word, so a word listed twice for a pair is merged once. */
        private final int[] touchedBy;
        private final Long2LongOpenHashMap pairCounts;
        private final Long2ObjectOpenHashMap<IntArrayList> pairWords = new Long2ObjectOpenHashMap<>();
        private final PairHeap heap = new PairHeap(tokenBytes::get);
        private final LongOpenHashSet grownPairs = new LongOpenHashSet();
        private int mergeNumber;
        long lastCount;

        MergeLoop(List<Merge> priorMerges, int[][] words, long[] counts, Long2LongOpenHashMap givenPairCounts) {
            idOf.defaultReturnValue(-1);
            for (int id = 0; id < 256; id++) {
                addToken(new byte[] {(byte) ByteLevel.byteOfId(id)});
            }
            for (Merge m : priorMerges) {
                byte[] merged = m.merged();
                if (idOf.getInt(merged) < 0) {
                    addToken(merged);
                }
            }
            this.words = words;
            this.counts = counts;
            this.touchedBy = new int[words.length];
            Arrays.fill(touchedBy, -1);
            this.pairCounts = givenPairCounts != null ? givenPairCounts : new Long2LongOpenHashMap();
            for (int w = 0; w < words.length; w++) {
                int[] s = words[w];
                for (int i = 0; i + 1 < s.length; i++) {
                    long pair = PairHeap.key(s[i], s[i + 1]);
                    if (givenPairCounts == null) {
                        pairCounts.addTo(pair, counts[w]);
                    }
                    indexPair(pair, w);
                }
            }
            pairCounts.long2LongEntrySet().fastForEach(e -> heap.push(e.getLongKey(), e.getLongValue()));
        }

        int vocabSize() {
            return tokenBytes.size();
        }

        int idOf(byte[] token) {
            return idOf.getInt(token);
        }

        private int addToken(byte[] bytes) {
            tokenBytes.add(bytes);
            idOf.put(bytes, tokenBytes.size() - 1);
            return tokenBytes.size() - 1;
        }

        private void addPair(long pair, int word, long count) {
            pairCounts.addTo(pair, count);
            indexPair(pair, word);
        }

        private void indexPair(long pair, int word) {
            IntArrayList list = pairWords.get(pair);
            if (list == null) {
                list = new IntArrayList(2);
                pairWords.put(pair, list);
            }
            if (list.isEmpty() || list.getInt(list.size() - 1) != word) {
                list.add(word);
            }
        }

        private void removePair(long pair, long count) {
            long left = pairCounts.addTo(pair, -count) - count;
            if (left == 0) {
                pairCounts.remove(pair);
            }
        }

        /** Performs the best merge, or returns null if no pair is left. */
        Merge mergeBest() {
            while (heap.size() > 0) {
                long pair = heap.topPair();
                long count = heap.topCount();
                heap.pop();
                long current = pairCounts.get(pair);
                if (current != count) {
                    if (current > 0) {
                        heap.push(pair, current); // counts of existing pairs only fall; re-rank it
                    }
                    continue;
                }
                lastCount = count;
                return apply(pair);
            }
            return null;
        }

        private Merge apply(long pair) {
            int a = PairHeap.left(pair);
            int b = PairHeap.right(pair);
            Merge merge = new Merge(tokenBytes.get(a), tokenBytes.get(b));
            byte[] merged = merge.merged();
            int c = idOf.getInt(merged);
            if (c < 0) {
                c = addToken(merged);
            }
            IntArrayList affected = pairWords.remove(pair);
            grownPairs.clear();
            for (int i = 0; i < affected.size(); i++) {
                int w = affected.getInt(i);
                if (touchedBy[w] != mergeNumber) {
                    touchedBy[w] = mergeNumber;
                    mergeInWord(w, a, b, c);
                }
            }
            pairCounts.remove(pair);
            for (long grown : grownPairs) {
                heap.push(grown, pairCounts.get(grown));
            }
            mergeNumber++;
            return merge;
        }

        /**
         * Replaces (a, b) by c left to right without overlap in one word and updates the counts of
         * only the pairs that change: old pairs touching a merged position, new pairs touching c.
         */
        private void mergeInWord(int w, int a, int b, int c) {
            int[] s = words[w];
            int n = s.length;
            long count = counts[w];
            int[] t = null;
            int m = 0;
            int lastRemoved = -1;
            for (int i = 0; i < n; ) {
                if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                    if (t == null) {
                        t = new int[n - 1];
                        System.arraycopy(s, 0, t, 0, i);
                        m = i;
                    }
                    for (int pos = Math.max(i - 1, lastRemoved + 1); pos <= i + 1 && pos + 1 < n; pos++) {
                        removePair(PairHeap.key(s[pos], s[pos + 1]), count);
                        lastRemoved = pos;
                    }
                    t[m++] = c;
                    i += 2;
                } else {
                    if (t != null) {
                        t[m++] = s[i];
                    }
                    i++;
                }
            }
            if (t == null) {
                return; // a stale index entry: this word no longer holds the pair
            }
            int lastAdded = -1;
            for (int k = 0; k < m; k++) {
                if (t[k] != c) {
                    continue;
                }
                for (int pos = Math.max(k - 1, lastAdded + 1); pos <= k && pos + 1 < m; pos++) {
                    long key = PairHeap.key(t[pos], t[pos + 1]);
                    addPair(key, w, count);
                    grownPairs.add(key);
                    lastAdded = pos;
                }
            }
            words[w] = m == t.length ? t : Arrays.copyOf(t, m);
        }
    }
}

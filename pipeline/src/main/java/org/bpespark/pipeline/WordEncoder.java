package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongHeapPriorityQueue;

/**
 * Applies a model's merges to one pre-token: repeatedly merge the adjacent pair with the lowest
 * rank, leftmost first, until no adjacent pair has a merge. That equals applying the merges in
 * creation order, all occurrences left to right (CS336 semantics).
 *
 * <p>Symbols live in a doubly linked list over arrays and candidate pairs in a heap keyed by
 * (rank, position), so a long pre-token (a 1 MB run of digits is one pre-token) costs
 * O(n log n), not O(n²). Stale heap entries are skipped when popped. Not thread-safe; arrays are
 * reused between calls.
 */
final class WordEncoder {
    private static final long NO_MERGE = -1;
    /** Pre-tokens up to this many bytes take the array path. */
    private static final int SHORT = 48;

    /** (left id, right id) → (rank << 32 | merged id). */
    private final Long2LongOpenHashMap merges;
    private int[] ids = new int[64];
    private int[] next = new int[64];
    private int[] prev = new int[64];
    private final LongHeapPriorityQueue candidates = new LongHeapPriorityQueue();
    private final long[] shortRanks = new long[SHORT];

    WordEncoder(BpeModel model) {
        merges = new Long2LongOpenHashMap(model.mergeCount() * 2);
        merges.defaultReturnValue(NO_MERGE);
        for (int rank = 0; rank < model.mergeCount(); rank++) {
            // putIfAbsent: if a pair was listed twice, its first (lowest) rank is the one that applies.
            merges.putIfAbsent(PairHeap.key(model.mergeLeft(rank), model.mergeRight(rank)),
                    ((long) rank << 32) | model.mergeResult(rank));
        }
    }

    /**
     * Encodes {@code symbols[0, n)} (token ids, usually single bytes) in place and returns the new
     * length.
     */
    int merge(int[] symbols, int n) {
        if (n < 2) {
            return n;
        }
        if (n <= SHORT) {
            return mergeShort(symbols, n);
        }
        ensureCapacity(n);
        for (int i = 0; i < n; i++) {
            ids[i] = symbols[i];
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        next[n - 1] = -1;
        candidates.clear();
        for (int i = 0; i + 1 < n; i++) {
            offer(i);
        }
        while (!candidates.isEmpty()) {
            long top = candidates.dequeueLong();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) {
                continue;
            }
            long merge = merges.get(PairHeap.key(ids[pos], ids[right]));
            if (merge == NO_MERGE || (int) (merge >>> 32) != rank) {
                continue; // the pair at pos changed since this entry was offered
            }
            ids[pos] = (int) merge;
            ids[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
                offer(pos);
            }
            if (prev[pos] >= 0) {
                offer(prev[pos]);
            }
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            symbols[m++] = ids[i];
        }
        return m;
    }

    /**
     * The same for a short pre-token (nearly all of them): the rank of each adjacent pair kept in an
     * array, the lowest found by a scan, only the two neighbours' ranks looked up again after a
     * merge. For a handful of symbols this beats the heap by avoiding its bookkeeping.
     */
    private int mergeShort(int[] s, int n) {
        long[] ranks = shortRanks;
        for (int i = 0; i + 1 < n; i++) {
            ranks[i] = merges.get(PairHeap.key(s[i], s[i + 1]));
        }
        while (n > 1) {
            int best = -1;
            long bestRank = Long.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                long r = ranks[i];
                if (r != NO_MERGE && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            s[best] = (int) bestRank;
            System.arraycopy(s, best + 2, s, best + 1, n - best - 2);
            System.arraycopy(ranks, best + 2, ranks, best + 1, n - best - 3 < 0 ? 0 : n - best - 3);
            n--;
            if (best > 0) {
                ranks[best - 1] = merges.get(PairHeap.key(s[best - 1], s[best]));
            }
            if (best + 1 < n) {
                ranks[best] = merges.get(PairHeap.key(s[best], s[best + 1]));
            }
        }
        return n;
    }

    private void offer(int pos) {
        long merge = merges.get(PairHeap.key(ids[pos], ids[next[pos]]));
        if (merge != NO_MERGE) {
            candidates.enqueue((merge & 0xFFFFFFFF00000000L) | pos);
        }
    }

    private void ensureCapacity(int n) {
        if (ids.length < n) {
            int size = Math.max(n, ids.length * 2);
            ids = new int[size];
            next = new int[size];
            prev = new int[size];
        }
    }
}

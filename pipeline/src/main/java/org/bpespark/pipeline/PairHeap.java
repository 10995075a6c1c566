package org.bpespark.pipeline;

import java.util.Arrays;

/**
 * A binary max-heap of (pair, count) entries on primitive arrays, ordered the way CS336 picks the
 * next merge: highest count first, ties to the lexicographically greatest pair, comparing the left
 * tokens' bytes and then the right tokens' bytes as unsigned values.
 *
 * <p>Entries are not updated in place: the merge loop pushes a pair again when its count grows and
 * discards an entry whose count is no longer current when it reaches the top (lazy invalidation).
 */
final class PairHeap {
    private long[] pairs = new long[1024];
    private long[] counts = new long[1024];
    private int size;
    private final TokenBytes tokens;

    /** Gives the bytes of a token id, for the tie-break. */
    interface TokenBytes {
        byte[] bytes(int id);
    }

    PairHeap(TokenBytes tokens) {
        this.tokens = tokens;
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    static int left(long key) {
        return (int) (key >>> 32);
    }

    static int right(long key) {
        return (int) key;
    }

    int size() {
        return size;
    }

    long topPair() {
        return pairs[0];
    }

    long topCount() {
        return counts[0];
    }

    void push(long pair, long count) {
        if (size == pairs.length) {
            pairs = Arrays.copyOf(pairs, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(pair, count, pairs[parent], counts[parent])) {
                break;
            }
            pairs[i] = pairs[parent];
            counts[i] = counts[parent];
            i = parent;
        }
        pairs[i] = pair;
        counts[i] = count;
    }

    void pop() {
        long pair = pairs[--size];
        long count = counts[size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && before(pairs[right], counts[right], pairs[child], counts[child])) {
                child = right;
            }
            if (!before(pairs[child], counts[child], pair, count)) {
                break;
            }
            pairs[i] = pairs[child];
            counts[i] = counts[child];
            i = child;
        }
        pairs[i] = pair;
        counts[i] = count;
    }

    /** Whether (a, countA) is picked before (b, countB). */
    private boolean before(long a, long countA, long b, long countB) {
        if (countA != countB) {
            return countA > countB;
        }
        if (a == b) {
            return false;
        }
        int byLeft = Arrays.compareUnsigned(tokens.bytes(left(a)), tokens.bytes(left(b)));
        if (byLeft != 0) {
            return byLeft > 0;
        }
        return Arrays.compareUnsigned(tokens.bytes(right(a)), tokens.bytes(right(b))) > 0;
    }
}

package org.bpespark.pipeline;

import java.util.Arrays;
import java.util.function.ObjLongConsumer;

/**
 * Counts of byte strings, incremented with a slice of a larger buffer: the pre-token counter's map.
 *
 * <p>Written by hand because counting is the hot path of pre-tokenizing (one increment per
 * pre-token, ~11 million per 48 MB): fastutil's maps need a key object and two probes per
 * increment (contains, then add) and call a hash strategy virtually, which took about half of the
 * counting time in a profile. Keys live in one growing arena; the table holds entry numbers; open
 * addressing with linear probing, doubled when half full.
 */
final class SliceCounts {
    private int[] slots = new int[1 << 16];
    private int[] hashes = new int[1 << 15];
    private int[] keyStart = new int[(1 << 15) + 1];
    private long[] counts = new long[1 << 15];
    private byte[] keys = new byte[1 << 18];
    private int entries;

    int size() {
        return entries;
    }

    /** Adds one to the count of {@code b[from, to)}. */
    void increment(byte[] b, int from, int to) {
        add(b, from, to, 1);
    }

    /** Adds {@code count} to the count of {@code b[from, to)}. */
    void add(byte[] b, int from, int to, long count) {
        int hash = PreTokenCache.hash(b, from, to);
        int len = to - from;
        int mask = slots.length - 1;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
            int e = slots[slot] - 1;
            if (e < 0) {
                slots[slot] = append(b, from, len, hash, count) + 1;
                if (entries * 2 > slots.length) {
                    grow();
                }
                return;
            }
            if (hashes[e] == hash && keyStart[e + 1] - keyStart[e] == len && sameBytes(keyStart[e], b, from, len)) {
                counts[e] += count;
                return;
            }
        }
    }

    private boolean sameBytes(int keyFrom, byte[] b, int from, int len) {
        for (int i = 0; i < len; i++) {
            if (keys[keyFrom + i] != b[from + i]) {
                return false;
            }
        }
        return true;
    }

    private int append(byte[] b, int from, int len, int hash, long count) {
        int e = entries++;
        if (e + 1 >= hashes.length) {
            hashes = Arrays.copyOf(hashes, hashes.length * 2);
            counts = Arrays.copyOf(counts, counts.length * 2);
            keyStart = Arrays.copyOf(keyStart, keyStart.length * 2);
        }
        int start = keyStart[e];
        if (start + len > keys.length) {
            keys = Arrays.copyOf(keys, Math.max(start + len, keys.length * 2));
        }
        System.arraycopy(b, from, keys, start, len);
        keyStart[e + 1] = start + len;
        hashes[e] = hash;
        counts[e] = count;
        return e;
    }

    private void grow() {
        slots = new int[slots.length * 2];
        int mask = slots.length - 1;
        for (int e = 0; e < entries; e++) {
            int slot = hashes[e] & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = e + 1;
        }
    }

    /** Visits each key (a fresh array) with its count, in insertion order. */
    void forEach(ObjLongConsumer<byte[]> consumer) {
        for (int e = 0; e < entries; e++) {
            consumer.accept(Arrays.copyOfRange(keys, keyStart[e], keyStart[e + 1]), counts[e]);
        }
    }

    void clear() {
        Arrays.fill(slots, 0);
        entries = 0;
    }
}

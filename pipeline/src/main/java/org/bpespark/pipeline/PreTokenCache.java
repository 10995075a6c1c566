package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.util.Arrays;

/**
 * The encoder's cache: pre-token bytes → token ids, probed with a slice of the text being encoded.
 *
 * <p>Written by hand because it is the encoder's hot path (one probe per pre-token, ~11 million per
 * 48 MB of English): fastutil's maps need a key object per probe and call a hash strategy
 * virtually, which measured ~2× slower here. Keys and ids live in two arenas; the table holds
 * offsets. Open addressing, linear probing. When the table is half full or an arena is full, the
 * whole cache is dropped and refilled: memory stays bounded and frequent pre-tokens return at once.
 */
final class PreTokenCache {
    /** 2^19 slots, 256K entries, ~13 MB in all: web text's long tail thrashed a 64K-entry cache. */
    private static final int SLOTS = 1 << 19;
    private static final int MAX_ENTRIES = SLOTS / 2;
    private static final int KEY_ARENA = 4 << 20;
    private static final int ID_ARENA = 1 << 20;

    /** Per slot: 1 + index of the entry, or 0 when empty. */
    private final int[] slots = new int[SLOTS];
    private final int[] hashes = new int[MAX_ENTRIES];
    private final int[] keyStart = new int[MAX_ENTRIES + 1];
    private final int[] idStart = new int[MAX_ENTRIES + 1];
    private final byte[] keys = new byte[KEY_ARENA];
    private final int[] ids = new int[ID_ARENA];
    private int entries;

    static int hash(byte[] b, int from, int to) {
        int h = 0x9E3779B9;
        for (int i = from; i < to; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 15);
    }

    /** Appends the cached ids of {@code b[from, to)} to {@code out} and returns true, or returns false. */
    boolean appendTo(byte[] b, int from, int to, int hash, IntArrayList out) {
        int len = to - from;
        for (int slot = hash & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
            int e = slots[slot] - 1;
            if (e < 0) {
                return false;
            }
            if (hashes[e] == hash && keyStart[e + 1] - keyStart[e] == len && sameBytes(keyStart[e], b, from, len)) {
                out.addElements(out.size(), ids, idStart[e], idStart[e + 1] - idStart[e]);
                return true;
            }
        }
    }

    /**
     * Compares a cached key with a slice. A plain loop: keys are a few bytes long, where
     * {@code Arrays.equals}' vectorised mismatch spent half the encoder's time in set-up.
     */
    private boolean sameBytes(int keyFrom, byte[] b, int from, int len) {
        for (int i = 0; i < len; i++) {
            if (keys[keyFrom + i] != b[from + i]) {
                return false;
            }
        }
        return true;
    }

    /** Caches the ids {@code tokens[0, n)} of {@code b[from, to)}, which must not be cached yet. */
    void put(byte[] b, int from, int to, int hash, int[] tokens, int n) {
        int len = to - from;
        if (entries == MAX_ENTRIES || keyStart[entries] + len > KEY_ARENA || idStart[entries] + n > ID_ARENA) {
            clear();
        }
        int e = entries++;
        hashes[e] = hash;
        System.arraycopy(b, from, keys, keyStart[e], len);
        keyStart[e + 1] = keyStart[e] + len;
        System.arraycopy(tokens, 0, ids, idStart[e], n);
        idStart[e + 1] = idStart[e] + n;
        int slot = hash & (SLOTS - 1);
        while (slots[slot] != 0) {
            slot = (slot + 1) & (SLOTS - 1);
        }
        slots[slot] = e + 1;
    }

    private void clear() {
        Arrays.fill(slots, 0);
        entries = 0;
    }
}

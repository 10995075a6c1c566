package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The encoder's cache: pre-token bytes → token ids, probed with a slice of the text being encoded.
 *
 * <p>Written by hand because it is the encoder's hot path (one probe per pre-token, ~11 million per
 * 48 MB of English): fastutil's maps need a key object per probe and call a hash strategy
 * virtually, which measured ~2× slower here. Two tables, both open addressing with linear probing:
 * <ul>
 *   <li>compact: pre-tokens of ≤ 16 bytes that encode to ≤ 3 ids below 2^19 (nearly all, with
 *       GPT-2-sized vocabularies) live whole in one 24-byte slot: the bytes packed in two longs,
 *       then length, id count and ids packed in a third. A probe touches one cache line and hashes
 *       two longs; the profile had shown the general table's four scattered reads (slot, hash, key
 *       offsets, key bytes) and its byte-by-byte hash as half of the encoder's time.</li>
 *   <li>general: the rest, keys and ids in two arenas, the table holding entry numbers.</li>
 * </ul>
 * When a table is half full or an arena is full, it is dropped and refilled: memory stays bounded
 * (~15 MB) and frequent pre-tokens return at once.
 */
final class PreTokenCache {
    /** Longest pre-token the compact table holds. */
    static final int COMPACT_BYTES = 16;
    private static final int COMPACT_BITS = 19;
    private static final int COMPACT_SLOTS = 1 << COMPACT_BITS;
    private static final int MAX_COMPACT_ENTRIES = COMPACT_SLOTS / 2;
    private static final int ID_BITS = 19;
    private static final long ID_MASK = (1L << ID_BITS) - 1;
    /**
     * Per slot: [3s], [3s+1] the key's bytes 0–7 and 8–15, little-endian, zero-padded;
     * [3s+2] length (5 bits) | id count (2) | id0 | id1 | id2 (19 bits each); 0 = empty.
     */
    private final long[] compact = new long[3 * COMPACT_SLOTS];
    private int compactEntries;

    private static final int SLOTS = 1 << 16;
    private static final int MAX_ENTRIES = SLOTS / 2;
    private static final int KEY_ARENA = 1 << 20;
    private static final int ID_ARENA = 1 << 18;

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

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Up to 8 bytes of {@code b[from, to)} packed little-endian (zero above {@code to}). One 8-byte
     * load and a mask where the buffer has 8 bytes at {@code from}: the byte loop was the encoder's
     * top frame in the encode-shards profile.
     */
    static long pack(byte[] b, int from, int to) {
        int n = to - from;
        if (from + 8 <= b.length) {
            long word = (long) LONG_LE.get(b, from);
            return n >= 8 ? word : word & ((1L << (n << 3)) - 1);
        }
        long key = 0;
        for (int i = Math.min(to, from + 8) - 1; i >= from; i--) {
            key = (key << 8) | (b[i] & 0xFF);
        }
        return key;
    }

    private static int compactSlot(long key0, long key1, int len) {
        long h = (key0 * 0x9E3779B97F4A7C15L) ^ (key1 * 0xC2B2AE3D27D4EB4FL) ^ len;
        return (int) ((h * 0x94D049BB133111EBL) >>> (64 - COMPACT_BITS));
    }

    /**
     * Appends the cached ids of a pre-token of 2–16 bytes, given its bytes packed by {@link #pack}
     * ({@code key1}: bytes 8–15, zero if none), and returns true, or returns false.
     */
    boolean appendCompact(long key0, long key1, int len, IntArrayList out) {
        for (int slot = compactSlot(key0, key1, len); ; slot = (slot + 1) & (COMPACT_SLOTS - 1)) {
            long meta = compact[3 * slot + 2];
            if (meta == 0) {
                return false;
            }
            if ((int) (meta >>> 59) == len && compact[3 * slot] == key0 && compact[3 * slot + 1] == key1) {
                int count = (int) (meta >>> 57) & 3;
                out.add((int) ((meta >>> (2 * ID_BITS)) & ID_MASK));
                if (count > 1) {
                    out.add((int) ((meta >>> ID_BITS) & ID_MASK));
                    if (count > 2) {
                        out.add((int) (meta & ID_MASK));
                    }
                }
                return true;
            }
        }
    }

    /** Caches a pre-token's ids in the compact table if they fit (1–3 ids below 2^19); returns whether it did. */
    boolean putCompact(long key0, long key1, int len, int[] tokens, int n) {
        if (n > 3) {
            return false;
        }
        long meta = ((long) len << 59) | ((long) n << 57);
        for (int i = 0; i < n; i++) {
            if (tokens[i] > ID_MASK) {
                return false;
            }
            meta |= (long) tokens[i] << ((2 - i) * ID_BITS);
        }
        if (compactEntries == MAX_COMPACT_ENTRIES) {
            Arrays.fill(compact, 0);
            compactEntries = 0;
        }
        int slot = compactSlot(key0, key1, len);
        while (compact[3 * slot + 2] != 0) {
            slot = (slot + 1) & (COMPACT_SLOTS - 1);
        }
        compact[3 * slot] = key0;
        compact[3 * slot + 1] = key1;
        compact[3 * slot + 2] = meta;
        compactEntries++;
        return true;
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

package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.util.Arrays;

/**
 * The encoder's cache: pre-token bytes → token ids, probed with a slice of the text being encoded.
 *
 * <p>Written by hand because it is the encoder's hot path (one probe per pre-token, ~11 million per
 * 48 MB of English): fastutil's maps need a key object per probe and call a hash strategy
 * virtually, which measured ~2× slower here. Two tables, both open addressing with linear probing:
 * <ul>
 *   <li>short pre-tokens (≤ 8 bytes, encoded as ≤ 2 ids, most of them) live whole in one 16-byte
 *       slot: the bytes packed in a long, then length, id count and ids packed in another. A probe
 *       touches one cache line; the profile had shown the general table's four scattered reads
 *       (slot, hash, key offsets, key bytes) as a third of the encoder's time, waiting on memory.</li>
 *   <li>the rest: keys and ids in two arenas, the table holding entry numbers.</li>
 * </ul>
 * When a table is half full or an arena is full, it is dropped and refilled: memory stays bounded
 * (~21 MB) and frequent pre-tokens return at once.
 */
final class PreTokenCache {
    private static final int SHORT_SLOTS = 1 << 19;
    private static final int MAX_SHORT_ENTRIES = SHORT_SLOTS / 2;
    /** Ids must fit the 29 bits a short slot gives each. */
    static final int MAX_SHORT_ID = (1 << 29) - 1;
    /** Per slot: [2s] the key's bytes, little-endian; [2s+1] length (4 bits) | id count (2) | id0 (29) | id1 (29); 0 = empty. */
    private final long[] shortTable = new long[2 * SHORT_SLOTS];
    private int shortEntries;

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

    /** The bytes of a pre-token of at most 8 bytes, packed little-endian. */
    static long pack(byte[] b, int from, int to) {
        long key = 0;
        for (int i = to - 1; i >= from; i--) {
            key = (key << 8) | (b[i] & 0xFF);
        }
        return key;
    }

    private static int shortSlot(long key, int len) {
        return (int) (((key ^ len) * 0x9E3779B97F4A7C15L) >>> (64 - 19));
    }

    /** Appends the cached ids of a short pre-token ({@code key} from {@link #pack}, 1–8 bytes) and returns true, or false. */
    boolean appendShort(long key, int len, IntArrayList out) {
        for (int slot = shortSlot(key, len); ; slot = (slot + 1) & (SHORT_SLOTS - 1)) {
            long meta = shortTable[2 * slot + 1];
            if (meta == 0) {
                return false;
            }
            if ((int) (meta >>> 60) == len && shortTable[2 * slot] == key) {
                out.add((int) (meta >>> 29) & MAX_SHORT_ID);
                if (((meta >>> 58) & 3) == 2) {
                    out.add((int) meta & MAX_SHORT_ID);
                }
                return true;
            }
        }
    }

    /** Caches a short pre-token's ids if they fit a short slot (1 or 2 ids, each ≤ {@link #MAX_SHORT_ID}); returns whether it did. */
    boolean putShort(long key, int len, int[] tokens, int n) {
        if (n > 2 || tokens[0] > MAX_SHORT_ID || (n == 2 && tokens[1] > MAX_SHORT_ID)) {
            return false;
        }
        if (shortEntries == MAX_SHORT_ENTRIES) {
            Arrays.fill(shortTable, 0);
            shortEntries = 0;
        }
        int slot = shortSlot(key, len);
        while (shortTable[2 * slot + 1] != 0) {
            slot = (slot + 1) & (SHORT_SLOTS - 1);
        }
        shortTable[2 * slot] = key;
        shortTable[2 * slot + 1] = ((long) len << 60) | ((long) n << 58) | ((long) tokens[0] << 29) | (n == 2 ? tokens[1] : 0);
        shortEntries++;
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

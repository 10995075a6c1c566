package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.objects.ObjectArrayList;

/**
 * The trainer's input: distinct pre-tokens (UTF-8 bytes) with how often each occurs. The order of
 * rows does not affect training; a pre-token should appear once (rows with equal bytes are simply
 * counted twice, which gives the same result as one row with the summed count).
 */
public final class PreTokenCounts {
    private final ObjectArrayList<byte[]> tokens = new ObjectArrayList<>();
    private final LongArrayList counts = new LongArrayList();

    public void add(byte[] token, long count) {
        if (count <= 0) {
            throw new IllegalArgumentException("pre-token count must be positive, got " + count);
        }
        tokens.add(token);
        counts.add(count);
    }

    public int size() {
        return tokens.size();
    }

    public byte[] token(int row) {
        return tokens.get(row);
    }

    public long count(int row) {
        return counts.getLong(row);
    }
}

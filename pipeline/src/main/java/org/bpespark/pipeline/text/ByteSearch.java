package org.bpespark.pipeline.text;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Searches of byte arrays eight bytes at a time, for the scans every input byte passes through
 * (document delimiters, special tokens, UTF-8 checks): a long is loaded and tested whole with the
 * "has a zero byte" test of Bit Twiddling Hacks, {@code (x - 0x01..01) & ~x & 0x80..80}, whose
 * lowest flagged byte is always a true zero byte. Written by hand because the JIT does not
 * vectorise these loops and no library in the classpath offers them on {@code byte[]} slices.
 */
public final class ByteSearch {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private ByteSearch() {
    }

    /** Index of the first {@code value} in {@code b[from, to)}, or {@code to} if there is none. */
    public static int indexOf(byte[] b, int from, int to, byte value) {
        long pattern = ONES * (value & 0xFF);
        int p = from;
        for (; p + 8 <= to; p += 8) {
            long x = (long) LONG_LE.get(b, p) ^ pattern;
            long zeroBytes = (x - ONES) & ~x & HIGHS;
            if (zeroBytes != 0) {
                return p + (Long.numberOfTrailingZeros(zeroBytes) >>> 3);
            }
        }
        while (p < to && b[p] != value) {
            p++;
        }
        return p;
    }

    /** Index of the first byte of {@code b[from, to)} that is not ASCII (≥ 0x80), or {@code to}. */
    public static int firstNonAscii(byte[] b, int from, int to) {
        int p = from;
        for (; p + 8 <= to; p += 8) {
            long high = (long) LONG_LE.get(b, p) & HIGHS;
            if (high != 0) {
                return p + (Long.numberOfTrailingZeros(high) >>> 3);
            }
        }
        while (p < to && b[p] >= 0) {
            p++;
        }
        return p;
    }
}

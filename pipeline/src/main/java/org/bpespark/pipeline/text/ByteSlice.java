package org.bpespark.pipeline.text;

import it.unimi.dsi.fastutil.Hash;
import java.util.Arrays;

/**
 * A reusable view of {@code buf[start, end)}, so hash maps keyed by {@code byte[]} can be probed with
 * a slice of a larger buffer without copying it. Maps built with {@link #STRATEGY} store
 * {@code byte[]} keys and accept either a {@code byte[]} or a {@code ByteSlice} as a probe; a slice
 * is never stored (callers insert {@link #toArray()}).
 */
public final class ByteSlice {
    public byte[] buf;
    public int start;
    public int end;

    public ByteSlice set(byte[] buf, int start, int end) {
        this.buf = buf;
        this.start = start;
        this.end = end;
        return this;
    }

    public int length() {
        return end - start;
    }

    public byte[] toArray() {
        return Arrays.copyOfRange(buf, start, end);
    }

    static int hash(byte[] b, int from, int to) {
        int h = 1;
        for (int i = from; i < to; i++) {
            h = 31 * h + b[i];
        }
        return h;
    }

    /** Hashes and compares {@code byte[]} keys and {@code ByteSlice} probes by content. */
    public static final Hash.Strategy<Object> STRATEGY = new Hash.Strategy<>() {
        @Override
        public int hashCode(Object o) {
            if (o instanceof byte[] a) {
                return hash(a, 0, a.length);
            }
            ByteSlice s = (ByteSlice) o;
            return s == null ? 0 : hash(s.buf, s.start, s.end);
        }

        @Override
        public boolean equals(Object a, Object b) {
            if (a == null || b == null) {
                return a == b;
            }
            if (a instanceof byte[] x) {
                return b instanceof byte[] y ? Arrays.equals(x, y) : equalsSlice(x, (ByteSlice) b);
            }
            ByteSlice s = (ByteSlice) a;
            if (b instanceof byte[] y) {
                return equalsSlice(y, s);
            }
            ByteSlice t = (ByteSlice) b;
            return Arrays.equals(s.buf, s.start, s.end, t.buf, t.start, t.end);
        }

        private boolean equalsSlice(byte[] x, ByteSlice s) {
            return Arrays.equals(x, 0, x.length, s.buf, s.start, s.end);
        }
    };
}

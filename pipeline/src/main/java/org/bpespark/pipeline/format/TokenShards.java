package org.bpespark.pipeline.format;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The layout of token shards, the files a training stage reads.
 *
 * <pre>
 * shard-NNNNN.bin   token ids, little-endian uint16 (or uint32), no header:
 *                   np.memmap(f, dtype=np.uint16, mode="r")
 *                   | id0 | id1 | ... | EOT | id | ... | EOT |   each document ends with EOT
 * shard-NNNNN.idx   little-endian uint64 per document: cumulative end offsets in tokens,
 *                   document i = tokens [idx[i-1], idx[i]) (idx[-1] = 0); idx[last] = tokens in shard
 * manifest.json     {@link ShardManifest}, written last
 * </pre>
 *
 * Shards are cut at document boundaries: a document belongs to shard {@code k} when its first
 * token's position in the whole token stream lies in {@code [k·N, (k+1)·N)} for {@code N} =
 * shard_tokens (empty shards are skipped), so the layout depends only on the documents and
 * {@code N}, never on how the work was partitioned.
 */
public final class TokenShards {
    /** Element type of the .bin files. */
    public enum Dtype {
        UINT16(2, 1 << 16), UINT32(4, Integer.MAX_VALUE);

        public final int bytes;
        /** Largest vocabulary this type can hold (ids 0..maxVocab-1). */
        public final long maxVocab;

        Dtype(int bytes, long maxVocab) {
            this.bytes = bytes;
            this.maxVocab = maxVocab;
        }

        public String numpyName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Dtype parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new FormatException("unknown dtype '" + name + "' (uint16, uint32)");
            }
        }

        /**
         * @throws IllegalArgumentException if the vocabulary does not fit (the silent uint16 overflow
         *     that corrupts datasets elsewhere)
         */
        public void requireFits(int vocabSize) {
            if (vocabSize > maxVocab) {
                throw new IllegalArgumentException("the tokenizer has " + vocabSize + " ids, more than " + numpyName()
                        + " holds (" + maxVocab + "); use --dtype uint32");
            }
        }
    }

    private TokenShards() {
    }

    public static String binName(int shard) {
        return String.format(Locale.ROOT, "shard-%05d.bin", shard);
    }

    public static String indexName(int shard) {
        return String.format(Locale.ROOT, "shard-%05d.idx", shard);
    }

    /** Writes ids {@code [from, to)} in the dtype's little-endian layout. */
    public static void writeIds(OutputStream out, int[] ids, int from, int to, Dtype dtype) throws IOException {
        new IdWriter(out, dtype, Math.max(dtype.bytes, (to - from) * dtype.bytes)).write(ids, from, to);
    }

    /**
     * Writes ids in a dtype's little-endian layout through one reused buffer: a writer per output
     * stream, for writers that call it once per document (a new buffer per document was 126 MB of
     * garbage per 200 MB of text in encode-shards).
     */
    public static final class IdWriter {
        private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
        private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
        private final OutputStream out;
        private final Dtype dtype;
        private final byte[] buf;

        public IdWriter(OutputStream out, Dtype dtype) {
            this(out, dtype, 1 << 16);
        }

        private IdWriter(OutputStream out, Dtype dtype, int bufferBytes) {
            this.out = out;
            this.dtype = dtype;
            this.buf = new byte[bufferBytes];
        }

        /** Writes ids {@code [from, to)}. */
        public void write(int[] ids, int from, int to) throws IOException {
            int n = 0;
            for (int i = from; i < to; i++) {
                if (n + dtype.bytes > buf.length) {
                    out.write(buf, 0, n);
                    n = 0;
                }
                if (dtype == Dtype.UINT16) {
                    SHORT_LE.set(buf, n, (short) ids[i]);
                } else {
                    INT_LE.set(buf, n, ids[i]);
                }
                n += dtype.bytes;
            }
            out.write(buf, 0, n);
        }
    }

    /** Encodes one uint64 little-endian value (a document end offset). */
    public static byte[] uint64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    /** Reads a .bin file's ids. */
    public static int[] readIds(Path bin, Dtype dtype) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() % dtype.bytes != 0) {
            throw new FormatException(bin + ": " + buf.remaining() + " bytes is not a whole number of " + dtype.numpyName()
                    + " values; the file is truncated");
        }
        int[] ids = new int[buf.remaining() / dtype.bytes];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = dtype == Dtype.UINT16 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        }
        return ids;
    }

    /** Reads a .idx file's cumulative document ends. */
    public static long[] readIndex(Path idx) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(idx)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() % 8 != 0) {
            throw new FormatException(idx + ": " + buf.remaining() + " bytes is not a whole number of uint64 values");
        }
        long[] ends = new long[buf.remaining() / 8];
        for (int i = 0; i < ends.length; i++) {
            ends[i] = buf.getLong();
        }
        return ends;
    }

    /**
     * A training-stage reader over a local shard directory: memory-maps every shard and samples
     * batches the way nanoGPT's {@code get_batch} does (random windows of {@code context + 1} tokens;
     * x = the first {@code context}, y = the same shifted by one).
     */
    public static final class Reader {
        private final List<ByteBuffer> shards = new ArrayList<>();
        private final long[] cumulativeTokens;
        private final Dtype dtype;

        public Reader(Path dir) throws IOException {
            ShardManifest manifest = ShardManifest.fromJson(Files.readAllBytes(dir.resolve(ShardManifest.FILE_NAME)),
                    dir.resolve(ShardManifest.FILE_NAME).toString());
            this.dtype = Dtype.parse(manifest.dtype());
            cumulativeTokens = new long[manifest.shards().size()];
            long total = 0;
            for (int i = 0; i < manifest.shards().size(); i++) {
                ShardManifest.Shard s = manifest.shards().get(i);
                try (FileChannel ch = FileChannel.open(dir.resolve(s.file()), StandardOpenOption.READ)) {
                    if (ch.size() != s.tokens() * dtype.bytes) {
                        throw new FormatException(dir.resolve(s.file()) + ": " + ch.size() + " bytes, the manifest says "
                                + s.tokens() + " tokens of " + dtype.numpyName());
                    }
                    shards.add(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN));
                }
                total += s.tokens();
                cumulativeTokens[i] = total;
            }
        }

        public long totalTokens() {
            return cumulativeTokens.length == 0 ? 0 : cumulativeTokens[cumulativeTokens.length - 1];
        }

        /** Token at a global position (shards concatenated in manifest order). */
        public int token(long position) {
            int shard = 0;
            while (position >= cumulativeTokens[shard]) {
                shard++;
            }
            long local = position - (shard == 0 ? 0 : cumulativeTokens[shard - 1]);
            ByteBuffer b = shards.get(shard);
            return dtype == Dtype.UINT16 ? Short.toUnsignedInt(b.getShort((int) (local * 2))) : b.getInt((int) (local * 4));
        }

        /**
         * Samples {@code batch} windows; returns {@code [x, y]}, each {@code batch × context}.
         *
         * @throws IllegalArgumentException if the shards hold no more than {@code context} tokens
         */
        public int[][][] getBatch(Random random, int batch, int context) {
            long limit = totalTokens() - context;
            if (limit <= 0) {
                throw new IllegalArgumentException("context " + context + " needs more than " + totalTokens() + " tokens");
            }
            int[][] x = new int[batch][context];
            int[][] y = new int[batch][context];
            for (int b = 0; b < batch; b++) {
                long start = (long) (random.nextDouble() * limit);
                for (int t = 0; t < context; t++) {
                    x[b][t] = token(start + t);
                    y[b][t] = token(start + t + 1);
                }
            }
            return new int[][][] {x, y};
        }
    }
}

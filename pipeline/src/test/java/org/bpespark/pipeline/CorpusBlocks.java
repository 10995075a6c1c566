package org.bpespark.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a decompressed {@code <|endoftext|>}-separated corpus in blocks that end right after a
 * separator, so each block encodes to exactly its share of the whole file's ids (special tokens are
 * hard boundaries for both tiktoken and our {@link Tokenizer}).
 *
 * <p>The cut rule is the one {@code src/test/scripts/tiktoken-digest.mjs} uses: a block ends right
 * after the first {@code <|endoftext|>} that ends at least {@link #BLOCK} bytes after the block's
 * start, or at the end of the input. A block may therefore exceed {@code BLOCK} by one document.
 */
final class CorpusBlocks implements AutoCloseable {
    static final int BLOCK = 1 << 20;
    static final byte[] SEPARATOR = "<|endoftext|>".getBytes(StandardCharsets.UTF_8);

    private final InputStream in;
    private byte[] buf = new byte[2 * BLOCK];
    /** Valid bytes are {@code buf[pos, len)}; {@code buf[pos]} is at input offset {@code nextOffset}. */
    private int pos;
    private int len;
    private boolean eof;
    private long nextOffset;

    private int blockStart;
    private int blockLength;
    private long blockOffset;
    private int blockSeparators;

    CorpusBlocks(InputStream in) {
        this.in = in;
    }

    /** Advances to the next block; false at the end of the input. */
    boolean next() throws IOException {
        pos += blockLength;
        nextOffset += blockLength;
        blockLength = 0;
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, len - pos);
            len -= pos;
            pos = 0;
        }
        fill(BLOCK);
        if (len == 0) {
            return false;
        }
        int from = Math.max(0, BLOCK - SEPARATOR.length);
        int end = -1;
        while (true) {
            int hit = indexOf(buf, from, len, SEPARATOR);
            if (hit >= 0) {
                end = hit + SEPARATOR.length;
                break;
            }
            if (eof) {
                end = len;
                break;
            }
            from = Math.max(from, len - SEPARATOR.length + 1);
            fill(len + BLOCK);
        }
        blockStart = 0;
        blockLength = end;
        blockOffset = nextOffset;
        blockSeparators = 0;
        for (int p = indexOf(buf, 0, end, SEPARATOR); p >= 0; p = indexOf(buf, p + SEPARATOR.length, end, SEPARATOR)) {
            blockSeparators++;
        }
        return true;
    }

    /** The current block is {@code buffer()[start(), start() + length())}, valid until {@link #next}. */
    byte[] buffer() {
        return buf;
    }

    int start() {
        return blockStart;
    }

    int length() {
        return blockLength;
    }

    /** Offset of the current block in the decompressed input. */
    long offset() {
        return blockOffset;
    }

    /** How many {@code <|endoftext|>} the current block holds (its last bytes are one, except at EOF). */
    int separators() {
        return blockSeparators;
    }

    boolean endsWithSeparator() {
        return blockLength >= SEPARATOR.length
                && Arrays.equals(buf, blockStart + blockLength - SEPARATOR.length, blockStart + blockLength,
                        SEPARATOR, 0, SEPARATOR.length);
    }

    /** Reads until {@code len >= want} or EOF. */
    private void fill(int want) throws IOException {
        if (want > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(want, buf.length * 2));
        }
        while (len < want && !eof) {
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                eof = true;
            } else {
                len += n;
            }
        }
    }

    static int indexOf(byte[] b, int from, int to, byte[] needle) {
        byte first = needle[0];
        for (int i = from, last = to - needle.length; i <= last; i++) {
            if (b[i] == first && Arrays.equals(b, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

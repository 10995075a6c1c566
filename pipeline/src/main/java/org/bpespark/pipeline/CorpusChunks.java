package org.bpespark.pipeline;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * Reads a local text corpus ({@code .zst}, {@code .gz} or plain) in chunks that end right after a
 * special token, so no pre-token crosses a chunk edge and memory stays near one chunk. A document
 * longer than a chunk makes that chunk grow until its separator arrives.
 */
public final class CorpusChunks {
    /** Receives each chunk as {@code buf[0, length)}. */
    @FunctionalInterface
    public interface ChunkConsumer {
        void accept(byte[] buf, int length);
    }

    private CorpusChunks() {
    }

    /** Opens a file, decompressing by extension. */
    public static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        String name = file.getFileName().toString();
        if (name.endsWith(".zst")) {
            return new ZstdInputStream(in);
        }
        if (name.endsWith(".gz")) {
            return new GZIPInputStream(in, 1 << 16);
        }
        return in;
    }

    /** Streams a file's bytes to {@code consumer} in chunks of about {@code chunkBytes} cut after a special token. */
    public static void read(Path file, SpecialTokens specials, int chunkBytes, ChunkConsumer consumer) throws IOException {
        byte[] buf = new byte[chunkBytes];
        int len = 0;
        try (InputStream in = open(file)) {
            while (true) {
                if (len == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    break;
                }
                len += n;
                if (len < chunkBytes) {
                    continue;
                }
                int cut = specials.lastEnd(buf, 0, len);
                if (cut > 0) {
                    consumer.accept(buf, cut);
                    System.arraycopy(buf, cut, buf, 0, len - cut);
                    len -= cut;
                }
            }
        }
        if (len > 0) {
            consumer.accept(buf, len);
        }
    }
}

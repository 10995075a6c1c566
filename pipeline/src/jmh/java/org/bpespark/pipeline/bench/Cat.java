package org.bpespark.pipeline.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.bpespark.pipeline.CorpusChunks;

/** Writes a corpus file decompressed (.zst, .gz or plain) to standard output, for bin/bench's other tools. */
public final class Cat {
    private Cat() {
    }

    public static void main(String[] args) throws IOException {
        try (InputStream in = CorpusChunks.open(Path.of(args[0]))) {
            in.transferTo(System.out);
        }
        System.out.flush();
    }
}

package org.bpespark.jobs.experiments;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * The beginning of a corpus, in memory: at most {@code maxBytes} decompressed bytes, cut right after
 * the last document separator that fits, so no document is cut in two (unless the first document
 * alone is longer than the slice; then the slice is that document's first {@code maxBytes} bytes).
 */
record CorpusSlice(String file, byte[] bytes, long documents) {

    static CorpusSlice read(Path corpus, SpecialTokens specials, int maxBytes) throws IOException {
        byte[] head;
        boolean more;
        try (InputStream in = CorpusChunks.open(corpus)) {
            head = in.readNBytes(maxBytes);
            more = in.read() >= 0;
        }
        int end = head.length;
        if (more) {
            int cut = specials.lastEnd(head, 0, head.length);
            if (cut > 0) {
                end = cut;
            }
        }
        byte[] bytes = end == head.length ? head : java.util.Arrays.copyOf(head, end);
        return new CorpusSlice(corpus.getFileName().toString(), bytes, countDocuments(bytes, specials));
    }

    /** Separators, plus one for text after the last separator. */
    private static long countDocuments(byte[] bytes, SpecialTokens specials) {
        long[] separators = {0};
        specials.split(bytes, 0, bytes.length, new SpecialTokens.Visitor() {
            @Override
            public void text(byte[] buf, int start, int end) {
            }

            @Override
            public void special(int index) {
                separators[0]++;
            }
        });
        return separators[0] + (specials.lastEnd(bytes, 0, bytes.length) < bytes.length ? 1 : 0);
    }

    int length() {
        return bytes.length;
    }
}

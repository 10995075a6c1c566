package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.Test;

/** Counting on several threads gives exactly the single-threaded counts. */
class ParallelCountingTest {
    private static final List<String> EOT = List.of("<|endoftext|>");

    @Test
    void threadsCountLikeOneThread() throws IOException {
        Path corpus = Conformance.corpus("tinystories_ru.txt.zst");
        PreTokenCounter single = new PreTokenCounter(new SpecialTokens(EOT));
        byte[] text;
        try (InputStream in = CorpusChunks.open(corpus)) {
            text = in.readAllBytes();
        }
        single.add(text, 0, text.length);
        long[] bytes = {0};
        PreTokenCounter parallel = ParallelCounting.count(List.of(corpus), EOT, 3, bytes);
        assertEquals(text.length, bytes[0]);
        assertEquals(asMap(single), asMap(parallel));
    }

    private static Map<String, Long> asMap(PreTokenCounter counter) {
        Map<String, Long> map = new HashMap<>();
        counter.forEach((token, count) -> map.put(java.util.HexFormat.of().formatHex(token), count));
        return map;
    }
}

package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * decode(encode(x)) == x, byte for byte, with GPT-2's tokenizer and {@code <|endoftext|>} allowed, on
 * every corpus in {@code ../shared/corpora}: {@code *.txt.zst} / {@code *.txt.gz} whole (in blocks of
 * about 1 MiB cut after an {@code <|endoftext|>}, see {@link CorpusBlocks}), and the {@code text} of
 * every line of {@code *.jsonl.zst} / {@code *.jsonl.gz}. Blocks run on all cores, one
 * {@link Tokenizer} per thread, with a bounded number in flight so memory stays small.
 */
class CorpusRoundTripTest {
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final int IN_FLIGHT = 2 * THREADS;
    private static final int JSONL_BATCH_CHARS = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static BpeModel gpt2;
    private static ExecutorService pool;
    private static ThreadLocal<Tokenizer> tokenizers;

    @BeforeAll
    static void setUp() throws IOException {
        gpt2 = Conformance.gpt2(List.of("<|endoftext|>"));
        tokenizers = ThreadLocal.withInitial(() -> new Tokenizer(gpt2));
        pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "round-trip");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void tearDown() {
        pool.shutdownNow();
    }

    static boolean isText(String name) {
        return name.endsWith(".txt.zst") || name.endsWith(".txt.gz");
    }

    static boolean isJsonl(String name) {
        return name.endsWith(".jsonl.zst") || name.endsWith(".jsonl.gz");
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusRoundTrips() throws IOException {
        Path dir = Conformance.shared().resolve("corpora");
        List<Path> corpora;
        try (Stream<Path> files = Files.list(dir)) {
            corpora = files.filter(p -> isText(p.getFileName().toString()) || isJsonl(p.getFileName().toString()))
                    .sorted().toList();
        }
        assertFalse(corpora.isEmpty(), "no *.txt.zst / *.txt.gz / *.jsonl.zst / *.jsonl.gz corpora in " + dir);
        System.out.println("round trip over " + corpora.size() + " corpora: "
                + corpora.stream().map(p -> p.getFileName().toString()).toList());
        return corpora.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> roundTrip(p)));
    }

    private static void roundTrip(Path file) throws Exception {
        long t0 = System.nanoTime();
        Totals totals = isText(file.getFileName().toString()) ? roundTripText(file) : roundTripJsonl(file);
        assertTrue(totals.bytes.get() > 0, file.getFileName() + " is empty");
        System.out.printf("round trip ok: %s: %,d bytes, %,d documents, %,d tokens, %.1f s%n", file.getFileName(),
                totals.bytes.get(), totals.documents.get(), totals.tokens.get(), (System.nanoTime() - t0) / 1e9);
    }

    private static final class Totals {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong documents = new AtomicLong();
        final AtomicLong tokens = new AtomicLong();
    }

    /** Whole text files, block by block; each block holds whole documents and their separators. */
    private static Totals roundTripText(Path file) throws Exception {
        Totals totals = new Totals();
        InFlight inFlight = new InFlight();
        try (CorpusBlocks in = new CorpusBlocks(CorpusChunks.open(file))) {
            while (in.next()) {
                byte[] block = Arrays.copyOfRange(in.buffer(), in.start(), in.start() + in.length());
                long offset = in.offset();
                totals.documents.addAndGet(in.separators());
                inFlight.submit(() -> {
                    Tokenizer tokenizer = tokenizers.get();
                    IntArrayList ids = new IntArrayList(block.length / 2);
                    tokenizer.encode(block, 0, block.length, ids::add);
                    byte[] back = tokenizer.decodeBytes(ids.toIntArray());
                    assertSame(file, "block at byte " + offset, offset, block, back);
                    totals.bytes.addAndGet(block.length);
                    totals.tokens.addAndGet(ids.size());
                });
            }
        }
        inFlight.finish();
        return totals;
    }

    /** jsonl: the {@code text} field of every line, in batches of about 1 M characters. */
    private static Totals roundTripJsonl(Path file) throws Exception {
        Totals totals = new Totals();
        InFlight inFlight = new InFlight();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(CorpusChunks.open(file), StandardCharsets.UTF_8), 1 << 16)) {
            List<String> batch = new ArrayList<>();
            long batchFirstLine = 1;
            int batchChars = 0;
            long lineNo = 0;
            for (String line; (line = lines.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode text = JSON.readTree(line).get("text");
                if (text == null || !text.isTextual()) {
                    fail(file.getFileName() + " line " + lineNo + ": no string \"text\" field");
                }
                if (batch.isEmpty()) {
                    batchFirstLine = lineNo;
                }
                batch.add(text.textValue());
                batchChars += text.textValue().length();
                if (batchChars >= JSONL_BATCH_CHARS) {
                    submitJsonl(file, inFlight, totals, batch, batchFirstLine);
                    batch = new ArrayList<>();
                    batchChars = 0;
                }
            }
            if (!batch.isEmpty()) {
                submitJsonl(file, inFlight, totals, batch, batchFirstLine);
            }
        }
        inFlight.finish();
        return totals;
    }

    private static void submitJsonl(Path file, InFlight inFlight, Totals totals, List<String> texts, long firstLine)
            throws Exception {
        inFlight.submit(() -> {
            Tokenizer tokenizer = tokenizers.get();
            for (int i = 0; i < texts.size(); i++) {
                // encode(String) encodes the UTF-8 of the string, so that is what must come back.
                byte[] utf8 = texts.get(i).getBytes(StandardCharsets.UTF_8);
                int[] ids = tokenizer.encode(texts.get(i));
                assertSame(file, "line " + (firstLine + i), 0,
                        utf8, tokenizer.decodeBytes(ids));
                totals.bytes.addAndGet(utf8.length);
                totals.tokens.addAndGet(ids.length);
                totals.documents.incrementAndGet();
            }
        });
    }

    /** Fails with the first differing byte and the text around it. */
    private static void assertSame(Path file, String where, long offset, byte[] want, byte[] got) {
        if (Arrays.equals(want, got)) {
            return;
        }
        int i = Arrays.mismatch(want, got);
        int from = Math.max(0, i - 40);
        fail(String.format("%s, %s: decode(encode(x)) != x at byte %d (input byte %d); lengths %d -> %d;%n"
                        + "  want ...%s...%n  got  ...%s...", file.getFileName(), where, i, offset + i, want.length,
                got.length, show(want, from, i + 40), show(got, from, i + 40)));
    }

    private static String show(byte[] b, int from, int to) {
        to = Math.min(to, b.length);
        from = Math.min(from, to);
        return new String(b, from, to - from, StandardCharsets.UTF_8).replace("\n", "\\n");
    }

    /** At most {@link #IN_FLIGHT} tasks at a time; the first failure is rethrown on the caller's thread. */
    private static final class InFlight {
        private final List<Future<?>> futures = new ArrayList<>();

        void submit(Runnable task) throws Exception {
            while (futures.size() >= IN_FLIGHT) {
                await(futures.remove(0));
            }
            futures.add(pool.submit(task));
        }

        void finish() throws Exception {
            while (!futures.isEmpty()) {
                await(futures.remove(0));
            }
        }

        private void await(Future<?> future) throws Exception {
            try {
                future.get();
            } catch (ExecutionException e) {
                futures.forEach(f -> f.cancel(true));
                futures.clear();
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }
}

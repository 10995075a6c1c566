package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * CS336 test_tokenizer.py tests 24–25 (SPEC.md section 3): encoding a large file must take memory
 * that does not grow with the input. Upstream's 5 MB TinyStories file is missing, so the input is
 * {@code corpora/tinystories_like_en.txt.zst}: 30,001,248 bytes of UTF-8 (60 MB as Java chars, since
 * its curly quotes keep the String out of the one-byte Latin-1 form), decompressed as it is read.
 *
 * <p><b>The bound.</b> Each run happens in a child JVM with {@value #HEAP} of heap and the serial
 * collector. GPT-2's model and tokenizer retain about 15 MB after a full GC, and the streaming runs
 * need about 16 MB in all (they fail at 14 MB, in building the model), so the budget leaves three
 * times that. It cannot hold the input once: {@link #theSameHeapCannotHoldTheInputOnce} keeps only
 * the input's 30 MB of UTF-8 bytes next to the model and must die with OutOfMemoryError. So a
 * streaming run that finishes did not buffer the text (nor its ~7.5 M ids, another 30 MB as ints).
 * A heap limit rather than timings or sampled heap usage, because it is deterministic on a loaded
 * 2-core machine.
 */
class TokenizerMemoryTest {
    private static final String CORPUS = "tinystories_like_en.txt.zst";
    private static final long CORPUS_BYTES = 30_001_248;
    private static final String HEAP = "48m";
    private static final String MODEL_LOADED = "model loaded";

    enum Mode {
        /** Test 24: {@code encodeIterable} over the file's lines, each keeping its {@code \n}. */
        ITERABLE,
        /** Test 25, streamed: {@code encode(Reader, IntConsumer)} (upstream reads the file whole first). */
        READER,
        /** The control: only hold the input's bytes, as compactly as it gets. */
        HOLD_INPUT,
        /** Issue 6's bound: {@code encode(Reader, IntConsumer)} over web_like_en (200 MB) in the same heap. */
        READER_WEB
    }

    private static final String WEB_CORPUS = "web_like_en.txt.zst";

    private static final Map<Mode, ChildResult> RUNS = new EnumMap<>(Mode.class);

    /** Runs in the child JVM: loads GPT-2 (no specials), then does what {@code args[0]} says and prints a count. */
    public static void main(String[] args) throws IOException {
        Mode mode = Mode.valueOf(args[0]);
        Tokenizer tokenizer = new Tokenizer(Conformance.gpt2(null));
        System.out.println(MODEL_LOADED);
        long count = 0;
        try (Reader text = mode == Mode.READER_WEB ? openCorpus(WEB_CORPUS) : openCorpus()) {
            switch (mode) {
                case ITERABLE -> {
                    PrimitiveIterator.OfInt ids = tokenizer.encodeIterable(PythonLines.of(text));
                    for (; ids.hasNext(); ids.nextInt()) {
                        count++;
                    }
                }
                case READER, READER_WEB -> {
                    long[] ids = {0};
                    tokenizer.encode(text, id -> ids[0]++);
                    count = ids[0];
                }
                case HOLD_INPUT -> {
                    byte[] input = new byte[Math.toIntExact(CORPUS_BYTES)];
                    try (InputStream in = openCorpusBytes()) {
                        count = in.readNBytes(input, 0, input.length);
                    }
                }
            }
        }
        System.out.println("count=" + count);
    }

    private static InputStream openCorpusBytes() throws IOException {
        return openCorpusBytes(CORPUS);
    }

    private static InputStream openCorpusBytes(String corpus) throws IOException {
        return new ZstdInputStream(new BufferedInputStream(Files.newInputStream(Conformance.corpus(corpus))));
    }

    private static Reader openCorpus() throws IOException {
        return openCorpus(CORPUS);
    }

    private static Reader openCorpus(String corpus) throws IOException {
        return new BufferedReader(new InputStreamReader(openCorpusBytes(corpus), StandardCharsets.UTF_8));
    }

    private record ChildResult(int exitCode, String stdout, String stderr) {
        long count() {
            assertEquals(0, exitCode, () -> "child JVM failed:\n" + stderr);
            String last = stdout.strip().lines().reduce((first, second) -> second).orElse("");
            assertTrue(last.startsWith("count="), () -> "child JVM printed: " + stdout);
            return Long.parseLong(last.substring("count=".length()));
        }
    }

    /** Each mode runs once per test class, however many tests look at it. */
    private static synchronized ChildResult run(Mode mode) throws IOException, InterruptedException {
        ChildResult done = RUNS.get(mode);
        if (done == null) {
            done = runChild(mode);
            RUNS.put(mode, done);
        }
        return done;
    }

    private static ChildResult runChild(Mode mode) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-Xmx" + HEAP, "-XX:+UseSerialGC",
                "-Dshared.dir=" + Conformance.shared(), "-cp", System.getProperty("java.class.path"),
                TokenizerMemoryTest.class.getName(), mode.name());
        Path out = Files.createTempFile("tokenizer-memory-", ".out");
        Path err = Files.createTempFile("tokenizer-memory-", ".err");
        try {
            Process child = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!child.waitFor(10, TimeUnit.MINUTES)) {
                child.destroyForcibly();
                throw new AssertionError("child JVM did not finish in 10 minutes: " + command);
            }
            return new ChildResult(child.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void t24_encodeIterableStreamsTheCorpusInBoundedHeap() throws Exception {
        long ids = run(Mode.ITERABLE).count();
        // TinyStories-like English averages about 4 bytes per GPT-2 token.
        assertTrue(ids > CORPUS_BYTES / 5 && ids < CORPUS_BYTES / 3, () -> ids + " ids for " + CORPUS_BYTES + " bytes");
    }

    @Test
    void t25_encodeReaderStreamsTheCorpusInBoundedHeap() throws Exception {
        long ids = run(Mode.READER).count();
        assertTrue(ids > CORPUS_BYTES / 5 && ids < CORPUS_BYTES / 3, () -> ids + " ids for " + CORPUS_BYTES + " bytes");
    }

    @Test
    void bothStreamingPathsGiveTheSameNumberOfIds() throws Exception {
        assertEquals(run(Mode.READER).count(), run(Mode.ITERABLE).count());
    }

    @Test
    void theSameHeapCannotHoldTheInputOnce() throws Exception {
        ChildResult hold = run(Mode.HOLD_INPUT);
        assertNotEquals(0, hold.exitCode(), () -> "the input's bytes fit in " + HEAP + " next to the model, so the bound"
                + " proves nothing; child printed " + hold.stdout());
        assertTrue(hold.stdout().contains(MODEL_LOADED), () -> "the child failed before it held any input:\n" + hold.stderr());
        assertTrue(hold.stderr().contains("OutOfMemoryError"), () -> "expected OutOfMemoryError, got:\n" + hold.stderr());
    }

    /**
     * Issue 6's bound: streaming encode of web_like_en (200,015,516 bytes, almost 7× the heap budget,
     * 4× the budget for its ids alone) in the same 48 MB, giving exactly the ids' count that encoding
     * the whole text at once gives here, in this JVM's large heap.
     */
    @Test
    void webLikeEnStreamsInTheSameHeap() throws Exception {
        long streamed = run(Mode.READER_WEB).count();
        String whole;
        try (InputStream in = openCorpusBytes(WEB_CORPUS)) {
            whole = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(new Tokenizer(Conformance.gpt2(null)).encode(whole).length, streamed);
    }

    @Test
    void streamedIdsEqualEncodeOnTheFirstTwoMegabytes() throws IOException {
        String text = firstChars(2 << 20);
        for (List<String> specials : List.of(List.<String>of(), List.of("<|endoftext|>"))) {
            Tokenizer tokenizer = new Tokenizer(Conformance.gpt2(specials.isEmpty() ? null : specials));
            int[] expected = tokenizer.encode(text);

            IntArrayList fromReader = new IntArrayList();
            tokenizer.encode(new StringReader(text), fromReader::add);
            assertArrayEquals(expected, fromReader.toIntArray(), "encode(Reader), specials " + specials);

            IntArrayList fromLines = new IntArrayList();
            tokenizer.encodeIterable(PythonLines.of(text)).forEachRemaining((int id) -> fromLines.add(id));
            assertArrayEquals(expected, fromLines.toIntArray(), "encodeIterable, specials " + specials);
        }
    }

    private static String firstChars(int n) throws IOException {
        char[] chars = new char[n];
        int filled = 0;
        try (Reader in = openCorpus()) {
            for (int r; filled < n && (r = in.read(chars, filled, n - filled)) >= 0; ) {
                filled += r;
            }
        }
        assertEquals(n, filled, CORPUS + " is shorter than expected");
        return new String(chars);
    }
}

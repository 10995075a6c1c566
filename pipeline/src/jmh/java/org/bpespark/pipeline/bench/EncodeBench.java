package org.bpespark.pipeline.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.Tokenizer;
import org.bpespark.pipeline.format.TokenizerFiles;

/**
 * One-thread GPT-2 encode throughput: our {@link Tokenizer} against JTokkit (r50k_base = gpt2) in
 * the same JVM, on the same text cut into ~1 MB chunks of whole documents (as the anchors' scripts
 * do). Ids are compared between the engines, and with tiktoken's when {@code --ref ids.bin}
 * (uint16 LE from ../shared/anchors/gpt2_encode.mjs --special) is given. Prints one line per
 * engine: median MB/s over the runs after a warm-up, and our ratio to JTokkit.
 *
 * <pre>java -cp TEST_CLASSPATH org.bpespark.pipeline.bench.EncodeBench FILE GPT2_DIR [--max-mb 48] [--runs 3] [--ref ids.bin]</pre>
 */
public final class EncodeBench {
    private static final String EOT = "<|endoftext|>";

    private EncodeBench() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        Path gpt2 = Path.of(args[1]);
        List<String> opts = Arrays.asList(args);
        double maxMb = Double.parseDouble(option(opts, "--max-mb", "48"));
        int runs = Integer.parseInt(option(opts, "--runs", "3"));
        String ref = option(opts, "--ref", null);

        byte[] raw;
        try (InputStream in = CorpusChunks.open(file)) {
            raw = in.readNBytes((int) (maxMb * 1e6));
        }
        String text = new String(raw, StandardCharsets.UTF_8);
        int lastEot = text.lastIndexOf(EOT);
        text = text.substring(0, lastEot + EOT.length()); // whole documents only
        List<String> chunks = chunks(text, 1_000_000);
        long bytes = text.getBytes(StandardCharsets.UTF_8).length;

        BpeModel model = TokenizerFiles.load(TokenizerFiles.localDir(gpt2));
        Tokenizer ours = new Tokenizer(model);
        Encoding jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

        int[] ourIds = encodeOurs(ours, chunks);
        int[] theirIds = encodeJtokkit(jtokkit, chunks, new IntArrayList()).toIntArray();
        String agreement = Arrays.equals(ourIds, theirIds) ? "ids identical to JTokkit" : "IDS DIFFER FROM JTOKKIT";
        if (ref != null) {
            int[] tiktoken = readUint16(Path.of(ref));
            agreement += Arrays.equals(ourIds, Arrays.copyOf(tiktoken, Math.min(tiktoken.length, ourIds.length)))
                    && tiktoken.length >= ourIds.length ? ", identical to tiktoken" : ", DIFFERENT FROM TIKTOKEN";
        }
        System.out.printf(Locale.ROOT, "encode: %s, %,d bytes, %,d tokens, %d chunks, %s%n", file.getFileName(), bytes,
                ourIds.length, chunks.size(), agreement);
        // Runs alternate between the engines so that load from other processes hits both alike.
        // Each of our runs starts with a new Tokenizer, so its cache starts empty as in a real single pass.
        double[][] mbs = alternate(runs, bytes, () -> encodeOurs(new Tokenizer(model), chunks),
                () -> encodeJtokkit(jtokkit, chunks, null));
        double oursMbs = mbs[0][runs / 2];
        double theirsMbs = mbs[1][runs / 2];
        System.out.printf(Locale.ROOT, "engine=ours-1-thread mb_per_s=%.2f%n", oursMbs);
        System.out.printf(Locale.ROOT, "engine=jtokkit-1-thread mb_per_s=%.2f%n", theirsMbs);
        System.out.printf(Locale.ROOT, "ratio ours/jtokkit=%.2f%n", oursMbs / theirsMbs);
        if (agreement.contains("DIFF")) {
            System.exit(1);
        }
    }

    private static List<String> chunks(String text, int chunkChars) {
        List<String> chunks = new ArrayList<>();
        int start = 0;
        int pos = 0;
        while (pos < text.length()) {
            int j = text.indexOf(EOT, pos);
            pos = j < 0 ? text.length() : j + EOT.length();
            if (pos - start >= chunkChars || pos == text.length()) {
                chunks.add(text.substring(start, pos));
                start = pos;
            }
        }
        return chunks;
    }

    private static int[] encodeOurs(Tokenizer tokenizer, List<String> chunks) {
        IntArrayList out = new IntArrayList();
        for (String chunk : chunks) {
            byte[] utf8 = chunk.getBytes(StandardCharsets.UTF_8);
            tokenizer.encode(utf8, 0, utf8.length, out);
        }
        return out.toIntArray();
    }

    /**
     * JTokkit cannot allow a special token: ordinary text between separators, 50256 for each
     * separator. Its ids are copied into {@code out} only when comparing (null in timed runs), so
     * that it is timed on its own API as ours is.
     */
    private static IntArrayList encodeJtokkit(Encoding encoding, List<String> chunks, IntArrayList out) {
        for (String chunk : chunks) {
            int from = 0;
            for (int at; (at = chunk.indexOf(EOT, from)) >= 0; from = at + EOT.length()) {
                addAll(out, encoding.encodeOrdinary(chunk.substring(from, at)));
                if (out != null) {
                    out.add(50256);
                }
            }
            addAll(out, encoding.encodeOrdinary(chunk.substring(from)));
        }
        return out;
    }

    private static void addAll(IntArrayList out, com.knuddels.jtokkit.api.IntArrayList ids) {
        for (int i = 0; out != null && i < ids.size(); i++) {
            out.add(ids.get(i));
        }
    }

    /** MB/s of each engine over {@code runs} alternating runs after one warm-up each, sorted. */
    private static double[][] alternate(int runs, long bytes, Runnable... engines) {
        double[][] mbs = new double[engines.length][runs];
        for (Runnable engine : engines) {
            engine.run();
        }
        for (int r = 0; r < runs; r++) {
            for (int e = 0; e < engines.length; e++) {
                long start = System.nanoTime();
                engines[e].run();
                mbs[e][r] = bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
            }
        }
        for (double[] m : mbs) {
            Arrays.sort(m);
        }
        return mbs;
    }

    private static int[] readUint16(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int[] ids = new int[buf.remaining() / 2];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Short.toUnsignedInt(buf.getShort());
        }
        return ids;
    }

    /** The value after {@code name} in the arguments, or {@code fallback} (shared by the benchmark mains). */
    static String option(List<String> args, String name, String fallback) {
        int i = args.indexOf(name);
        return i >= 0 ? args.get(i + 1) : fallback;
    }
}

package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.format.MergesTxt;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three jobs submitted with spark-submit to a real standalone cluster (a Master and two Workers
 * on loopback, one executor each) give the same tokenizer as the same jobs embedded in this JVM
 * ({@code local[2]}) and as the engine alone, and byte-identical token shards.
 *
 * <p>Input: several files, so several partitions: CS336's TinyStories sample (plain), the real
 * TinyStories corpus ({@code .zst}, not splittable) and a slice of the TinyStories-like corpus as plain
 * text; {@code --max-split-bytes} cuts the plain files into many splits, mid-document.
 */
class StandaloneClusterIT {
    private static final String EOT = "<|endoftext|>";
    private static final int VOCAB_SIZE = 2000;
    private static final String SPLIT_BYTES = "2000";
    private static final String SHARD_TOKENS = "100000";
    private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(3);
    /**
     * Driver settings for the cluster runs: take both Workers' cores and wait for both executors before
     * scheduling, so every run is spread over the two Workers (else a fast job may finish on the first
     * executor to register).
     */
    private static final List<String> SPREAD = List.of("spark.cores.max=2",
            "spark.scheduler.minRegisteredResourcesRatio=1.0",
            "spark.scheduler.maxRegisteredResourcesWaitingTime=120s");

    /** Inputs, outputs and logs; kept when the test fails. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @Test
    void clusterRunMatchesEmbeddedRunAndEngine() throws Exception {
        long t0 = System.nanoTime();
        Path input = prepareInputs(tmp.resolve("input"));
        Path cluster = tmp.resolve("cluster");
        Path embedded = tmp.resolve("embedded");
        Path logs = Files.createDirectories(tmp.resolve("logs"));

        // 1. On the standalone cluster, through spark-submit.
        long clusterStart;
        long clusterUp;
        try (StandaloneCluster c = StandaloneCluster.start(2)) {
            clusterStart = System.nanoTime();
            clusterUp = clusterStart - t0;
            try {
                for (String[] job : jobs(input, cluster)) {
                    Path log = c.dir().resolve("submit-" + job[0] + ".log"); // copied to logs/ on failure
                    long s = System.nanoTime();
                    int exit = c.submit(log, SUBMIT_TIMEOUT, SPREAD, job);
                    System.out.printf(Locale.ROOT, "cluster %s: exit %d in %.1f s%n", job[0], exit, secondsSince(s));
                    assertEquals(0, exit, () -> "spark-submit " + job[0] + " failed; log " + log + ":\n"
                            + SparkJvm.tail(log, 80));
                }
                for (int i = 0; i < c.workerCount(); i++) {
                    assertTrue(ranTasks(c.workerWorkDir(i)), "Worker " + i + "'s executors ran no task");
                }
            } catch (AssertionError | Exception e) {
                c.dumpLogs(System.err, 60);
                c.copyLogs(logs.resolve("cluster")); // @TempDir is kept when the test fails
                throw e;
            }
        }
        long clusterDone = System.nanoTime();

        // 2. The same jobs embedded in this JVM, local[2].
        for (String[] job : jobs(input, embedded)) {
            long s = System.nanoTime();
            int exit = embedded(job);
            System.out.printf(Locale.ROOT, "embedded %s: exit %d in %.1f s%n", job[0], exit, secondsSince(s));
            assertEquals(0, exit, "embedded " + job[0] + " failed");
        }
        long embeddedDone = System.nanoTime();

        // 3. The engine alone: count pre-tokens of every file, train.
        SpecialTokens specials = new SpecialTokens(List.of(EOT));
        PreTokenCounter counter = new PreTokenCounter(specials);
        for (Path file : files(input)) {
            CorpusChunks.read(file, specials, 1 << 20, (buf, len) -> counter.add(buf, 0, len));
        }
        BpeModel engine = new BpeTrainer(VOCAB_SIZE, List.of(EOT)).train(counter.toCounts());
        var engineFiles = TokenizerFiles.serialize(engine);

        // Tokenizer: cluster = embedded = engine.
        Path clusterTok = cluster.resolve("tokenizer");
        Path embeddedTok = embedded.resolve("tokenizer");
        for (String name : List.of(TokenizerFiles.MERGES_TXT, TokenizerFiles.VOCAB_JSON, TokenizerFiles.TOKENIZER_JSON,
                BpeMergeJob.REPORT)) {
            assertTrue(Files.isRegularFile(clusterTok.resolve(name)), "cluster run wrote no " + name);
            assertTrue(Files.isRegularFile(embeddedTok.resolve(name)), "embedded run wrote no " + name);
        }
        List<Merge> clusterMerges = readMerges(clusterTok.resolve(TokenizerFiles.MERGES_TXT));
        List<Merge> embeddedMerges = readMerges(embeddedTok.resolve(TokenizerFiles.MERGES_TXT));
        assertEquals(VOCAB_SIZE - 256 - 1, engine.mergeCount(), "the engine learned too few merges for the test");
        assertEquals(engine.merges(), embeddedMerges, "embedded merges differ from the engine's");
        assertEquals(engine.merges(), clusterMerges, "cluster merges differ from the engine's");
        for (String name : List.of(TokenizerFiles.MERGES_TXT, TokenizerFiles.VOCAB_JSON, TokenizerFiles.TOKENIZER_JSON)) {
            byte[] expected = engineFiles.get(name);
            assertArrayEquals(expected, Files.readAllBytes(embeddedTok.resolve(name)), "embedded " + name);
            assertArrayEquals(expected, Files.readAllBytes(clusterTok.resolve(name)), "cluster " + name);
        }
        JsonNode report = new ObjectMapper().readTree(clusterTok.resolve(BpeMergeJob.REPORT).toFile());
        assertEquals(engine.mergeCount(), report.path("merges").asInt(), "report.json merges");
        assertEquals(VOCAB_SIZE, report.path("vocab_size").asInt(), "report.json vocab_size");

        // Shards: every byte of the cluster run's equals the embedded run's.
        Path clusterShards = cluster.resolve("shards");
        Path embeddedShards = embedded.resolve("shards");
        TreeSet<String> names = shardFiles(clusterShards);
        assertEquals(shardFiles(embeddedShards), names, "shard file names");
        assertTrue(names.contains("manifest.json"), "no manifest.json in " + names);
        long bins = names.stream().filter(n -> n.endsWith(".bin")).count();
        assertTrue(bins >= 2, "expected several shards, got " + names);
        assertEquals(bins, names.stream().filter(n -> n.endsWith(".idx")).count(), "one .idx per .bin: " + names);
        for (String name : names) {
            assertArrayEquals(Files.readAllBytes(embeddedShards.resolve(name)), Files.readAllBytes(clusterShards.resolve(name)),
                    "cluster " + name + " differs from the embedded run's");
        }
        System.out.printf(Locale.ROOT, "cluster start %.1f s, cluster jobs %.1f s (incl. stop), embedded %.1f s, "
                        + "engine and checks %.1f s; %d merges, %d shard files%n",
                clusterUp / 1e9, (clusterDone - clusterStart) / 1e9, (embeddedDone - clusterDone) / 1e9,
                secondsSince(embeddedDone), engine.mergeCount(), names.size());
    }

    /** pretokenize → bpe-merge → encode-shards, into {@code out}/{pretokenized,tokenizer,shards}. */
    private static List<String[]> jobs(Path input, Path out) {
        String pre = out.resolve("pretokenized").toString();
        String tok = out.resolve("tokenizer").toString();
        return List.of(
                new String[] {"pretokenize", "--input", input.toString(), "--output", pre,
                        "--max-split-bytes", SPLIT_BYTES},
                new String[] {"bpe-merge", "--input", pre, "--vocab-size", Integer.toString(VOCAB_SIZE), "--output", tok},
                new String[] {"encode-shards", "--tokenizer", tok, "--input", input.toString(),
                        "--output", out.resolve("shards").toString(), "--shard-tokens", SHARD_TOKENS,
                        "--max-split-bytes", SPLIT_BYTES});
    }

    /** Runs the CLI in this JVM with {@code spark.master=local[2]}; the session is stopped afterwards. */
    private static int embedded(String... args) {
        try {
            return Embedded.runForExitCode("local[2]", args);
        } finally {
            // the command stops its session; make sure, so no context outlives the call
            for (scala.Option<SparkSession> s : List.of(SparkSession.getActiveSession(), SparkSession.getDefaultSession())) {
                if (s.isDefined()) {
                    s.get().stop();
                }
            }
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }

    /** The input folder: three files of different kinds, ≈ 1.05 MB of text, ≈ 23 partitions. */
    private static Path prepareInputs(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(TestData.shared().resolve("conformance/cs336/fixtures/tinystories_sample.txt"), dir.resolve("a-sample.txt"));
        Files.copy(TestData.shared().resolve("corpora/tinystories_en_real.txt.zst"), dir.resolve("b-real.txt.zst"));
        // ~40 KB of another corpus as plain text (≈ 20 splits), cut after a document separator
        byte[] head;
        try (InputStream in = new ZstdInputStream(Files.newInputStream(TestData.shared().resolve("corpora/tinystories_like_en.txt.zst")))) {
            head = in.readNBytes(45_000);
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        int cut = text.lastIndexOf(EOT + "\n");
        assertTrue(cut > 30_000, "no separator in the corpus slice");
        Files.write(dir.resolve("c-like.txt"), java.util.Arrays.copyOf(head, cut + EOT.length() + 1));
        return dir;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static List<Merge> readMerges(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return MergesTxt.read(in, file.toString());
        }
    }

    /** {@code shard-*.bin}, {@code shard-*.idx} and {@code manifest.json} in a shard folder. */
    private static TreeSet<String> shardFiles(Path dir) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString())
                    .filter(n -> n.equals("manifest.json") || n.matches("shard-\\d+\\.(bin|idx)"))
                    .forEach(names::add);
        }
        return names;
    }

    /** Whether an executor of this Worker logged a finished task (executor logs: app-*&#47;ID/stderr). */
    private static boolean ranTasks(Path workDir) throws IOException {
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(workDir)) {
            s.filter(p -> p.getFileName().toString().equals("stderr")).forEach(logs::add);
        }
        for (Path log : logs) {
            if (new String(Files.readAllBytes(log), StandardCharsets.UTF_8).contains("Finished task")) {
                return true;
            }
        }
        return false;
    }

    private static double secondsSince(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}

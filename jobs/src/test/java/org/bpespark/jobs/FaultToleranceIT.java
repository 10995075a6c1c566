package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on a standalone cluster (a Master and two one-core Workers on loopback): a Worker lost with
 * its executor in the middle of {@code pretokenize} and of {@code encode-shards}, the driver killed
 * with {@code kill -9} in the middle of {@code bpe-merge}'s merge loop (then {@code --resume}) and in
 * the middle of {@code encode-shards} (then run again). Every faulted run's outputs are compared with
 * an undisturbed run embedded in this JVM ({@code local[2]}), and no reader ever sees a partial output
 * folder: until a run commits, only its hidden staging folder exists.
 *
 * <p>The tests share one cluster while both Workers live (the driver kills leave the Workers alone);
 * the pretokenize fault kills Worker 0, so the encode-shards Worker fault gets a fresh cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceIT {
    private static final String EOT = "<|endoftext|>";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Splits of the plain-text inputs: with the .zst file, ≈ 40 tasks for each job on the corpus. */
    private static final String SPLIT_BYTES = Integer.toString(1 << 20);
    private static final String SHARD_TOKENS = "2000000";
    /** The encode tokenizer (trained by the engine on the real TinyStories sample). */
    private static final int ENCODE_VOCAB = 2000;
    /** bpe-merge on the web-like corpus: ≈ 31,700 merges, a merge loop of several seconds. */
    private static final int MERGE_VOCAB = 32000;
    private static final String CHECKPOINT_EVERY = "500";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
    /** Take both Workers' cores and wait for both executors, so every run is spread over the two. */
    private static final List<String> SPREAD = List.of("spark.cores.max=2",
            "spark.scheduler.minRegisteredResourcesRatio=1.0",
            "spark.scheduler.maxRegisteredResourcesWaitingTime=120s");

    /** Inputs, outputs and logs, for all the tests; kept when a test fails. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path tmp;

    private Path corpus;
    private Path webText;
    private Path encodeTokenizer;
    private StandaloneCluster cluster;
    // Undisturbed runs, made once when first needed.
    private Path referencePretokenized;
    private Path referenceShards;
    private Path webTable;
    private Path referenceMerges;

    @BeforeAll
    void prepareInputs() throws IOException {
        long start = System.nanoTime();
        corpus = Files.createDirectories(tmp.resolve("corpus"));
        // Real TinyStories (.zst: one task), then plain text split every SPLIT_BYTES into many tasks of
        // similar length, so a Worker killed while its executor runs its second task leaves plenty to
        // do: the 30 MB TinyStories-like corpus and slices of the web-like and Russian ones.
        Files.copy(TestData.corpus("tinystories_en_real.txt.zst"), corpus.resolve("a-real.txt.zst"));
        writeSlice(TestData.corpus("tinystories_like_en.txt.zst"), Integer.MAX_VALUE, corpus.resolve("b-tinystories-like.txt"));
        writeSlice(TestData.corpus("web_like_en.txt.zst"), 4_000_000, corpus.resolve("c-web-slice.txt"));
        writeSlice(TestData.corpus("tinystories_ru.txt.zst"), 2_000_000, corpus.resolve("d-ru-slice.txt"));
        // The whole web-like corpus as plain text, so pretokenizing it runs on both cores.
        Path webDir = Files.createDirectories(tmp.resolve("web"));
        webText = webDir.resolve("web_like_en.txt");
        try (InputStream in = new ZstdInputStream(Files.newInputStream(TestData.corpus("web_like_en.txt.zst")));
             OutputStream out = Files.newOutputStream(webText)) {
            in.transferTo(out);
        }
        BpeModel model = Embedded.trainWithEngine(List.of(TestData.corpus("tinystories_en_real.txt.zst")),
                ENCODE_VOCAB, List.of(EOT));
        encodeTokenizer = Files.createDirectories(tmp.resolve("encode-tokenizer"));
        for (Map.Entry<String, byte[]> file : TokenizerFiles.serialize(model).entrySet()) {
            Files.write(encodeTokenizer.resolve(file.getKey()), file.getValue());
        }
        System.out.printf(Locale.ROOT, "inputs and encode tokenizer ready in %.1f s%n", secondsSince(start));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The bpe-merge driver (spark-submit, client mode: the application dies with it) is killed with
     * {@code kill -9} once the merge loop has checkpointed; no output folder exists then. The same
     * command with {@code --resume} finishes from the checkpoint with exactly the merges (and files)
     * of an uninterrupted run.
     */
    @Test
    @Order(1)
    void bpeMergeDriverKilledMidLoopResumesToIdenticalMerges() throws Exception {
        Path reference = referenceMerges();
        Path dir = Files.createDirectories(tmp.resolve("merge-killed"));
        Path output = dir.resolve("tokenizer");
        Path checkpoint = dir.resolve("tokenizer.checkpoint");
        String[] args = {"bpe-merge", "--input", webTable.toString(), "--vocab-size", Integer.toString(MERGE_VOCAB),
                "--output", output.toString(), "--checkpoint-every", CHECKPOINT_EVERY};
        StandaloneCluster c = cluster();
        onFailureKeepLogs(c, () -> {
            long start = System.nanoTime();
            int killedAt;
            try (StandaloneCluster.Submission run = c.startSubmit(tmp.resolve("merge-killed.log"), SPREAD, args)) {
                awaitWhileRunning(run, () -> checkpointMerges(checkpoint) > 0, "a checkpoint with merges > 0 in " + checkpoint);
                killDriver(run);
                killedAt = resumableMerges(checkpoint);
            }
            System.out.printf(Locale.ROOT, "bpe-merge driver killed after %.1f s, checkpoint at %d merges%n",
                    secondsSince(start), killedAt);
            int total = JSON.readTree(reference.resolve(BpeMergeJob.REPORT).toFile()).path("merges").asInt();
            assertTrue(killedAt > 0 && killedAt < total, "the kill did not land inside the merge loop: checkpoint at "
                    + killedAt + " of " + total + " merges");
            assertFalse(Files.exists(output), "the killed run left an output folder");
            assertOnlyStagingBeside(dir, "tokenizer", Set.of("tokenizer.checkpoint"));

            long resumeStart = System.nanoTime();
            String[] resume = Arrays.copyOf(args, args.length + 1);
            resume[args.length] = "--resume";
            Path log = tmp.resolve("merge-resumed.log");
            int exit = c.submit(log, RUN_TIMEOUT, SPREAD, resume);
            assertEquals(0, exit, () -> "bpe-merge --resume failed; log " + log + ":\n" + SparkJvm.tail(log, 80));
            System.out.printf(Locale.ROOT, "bpe-merge --resume: %.1f s%n", secondsSince(resumeStart));

            for (String name : List.of(TokenizerFiles.MERGES_TXT, TokenizerFiles.VOCAB_JSON, TokenizerFiles.TOKENIZER_JSON)) {
                assertArrayEquals(Files.readAllBytes(reference.resolve(name)), Files.readAllBytes(output.resolve(name)),
                        "the resumed run's " + name + " differs from the uninterrupted run's");
            }
            assertEquals(Embedded.merges(reference), Embedded.merges(output), "merges");
            JsonNode report = JSON.readTree(output.resolve(BpeMergeJob.REPORT).toFile());
            assertEquals(killedAt, report.path("merges_resumed_from_checkpoint").asInt(),
                    "merges_resumed_from_checkpoint in " + report);
            assertEquals(total, report.path("merges").asInt(), "merges in the resumed run's report");
            assertFalse(Files.exists(checkpoint), "the checkpoint was not removed after the resumed run succeeded");
        });
    }

    /**
     * The encode-shards driver is killed with {@code kill -9} while the executors encode; while it runs
     * the output folder never exists (no manifest, no shard: only the hidden staging folder). The same
     * command run again, beside the killed run's leftover staging folder, gives the shards of an
     * undisturbed run.
     */
    @Test
    @Order(2)
    void encodeShardsDriverKilledThenRerunGivesIdenticalShards() throws Exception {
        Path reference = referenceShards();
        Path dir = Files.createDirectories(tmp.resolve("encode-killed"));
        Path output = dir.resolve("shards");
        String[] args = encodeArgs(output);
        StandaloneCluster c = cluster();
        onFailureKeepLogs(c, () -> {
            long start = System.nanoTime();
            int polls = 0;
            try (StandaloneCluster.Submission run = c.startSubmit(tmp.resolve("encode-killed.log"), SPREAD, args)) {
                // Poll the folder all along the run: only the staging folder may be there.
                long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
                while (encodedParts(dir, "shards") < 3) {
                    assertOnlyStagingBeside(dir, "shards", Set.of());
                    polls++;
                    requireRunning(run, deadline, "three encoded partitions in the staging folder");
                    Thread.sleep(20);
                }
                assertOnlyStagingBeside(dir, "shards", Set.of());
                killDriver(run);
            }
            // The executors of the dead application may still be finishing a task: watch a while more.
            for (long until = System.nanoTime() + 2_000_000_000L; System.nanoTime() < until; polls++) {
                assertOnlyStagingBeside(dir, "shards", Set.of());
                Thread.sleep(20);
            }
            System.out.printf(Locale.ROOT, "encode-shards driver killed after %.1f s (%d polls of the output folder)%n",
                    secondsSince(start), polls);
            Set<String> leftovers = names(dir);
            assertFalse(leftovers.isEmpty(), "the killed run left no staging folder: was it killed before it began?");

            long rerunStart = System.nanoTime();
            Path log = tmp.resolve("encode-rerun.log");
            int exit = c.submit(log, RUN_TIMEOUT, SPREAD, args);
            assertEquals(0, exit, () -> "encode-shards rerun failed; log " + log + ":\n" + SparkJvm.tail(log, 80));
            System.out.printf(Locale.ROOT, "encode-shards rerun: %.1f s%n", secondsSince(rerunStart));
            assertSameShards(reference, output);
            Set<String> after = names(dir);
            after.remove("shards");
            assertEquals(leftovers, after, "beside the output only the killed run's staging folder may remain");
        });
    }

    /**
     * Worker 0 and its executor are killed with {@code kill -9} once that executor has finished some
     * pretokenize tasks (their map outputs are lost with it): the job finishes on Worker 1 with the
     * pre-token table and stats of an undisturbed run.
     */
    @Test
    @Order(3)
    void workerKilledDuringPretokenizeGivesIdenticalOutput() throws Exception {
        Path reference = referencePretokenized();
        Path output = tmp.resolve("pretokenize-worker-killed/pretokenized");
        StandaloneCluster c = cluster();
        try {
            runKillingWorker(c, "pretokenize", output, pretokenizeArgs(output));
        } finally {
            c.close(); // Worker 0 is gone: the next test starts a fresh cluster
            cluster = null;
        }
        assertSamePretokenizeOutput(reference, output);
    }

    /**
     * Worker 0 and its executor are killed with {@code kill -9} once that executor has encoded some
     * partitions: the job finishes on Worker 1 with the shards of an undisturbed run.
     */
    @Test
    @Order(4)
    void workerKilledDuringEncodeShardsGivesIdenticalShards() throws Exception {
        Path reference = referenceShards();
        Path output = tmp.resolve("encode-worker-killed/shards");
        StandaloneCluster c = cluster();
        runKillingWorker(c, "encode-shards", output, encodeArgs(output));
        assertSameShards(reference, output);
    }

    /**
     * Starts a job, kills Worker 0 with its executor (SIGKILL) once that executor has finished a task
     * of this application and started another, before the job commits, and expects the job to finish.
     */
    private void runKillingWorker(StandaloneCluster c, String job, Path output, String[] args) throws Exception {
        Files.createDirectories(output.getParent());
        onFailureKeepLogs(c, () -> {
            Set<Path> earlierApps = appDirs(c.workerWorkDir(0));
            long start = System.nanoTime();
            Path log = tmp.resolve(job + "-worker-killed.log");
            try (StandaloneCluster.Submission run = c.startSubmit(log, SPREAD, args)) {
                awaitWhileRunning(run, () -> {
                    int[] tasks = executorTasks(c.workerWorkDir(0), earlierApps);
                    return tasks[1] >= 1 && tasks[0] > tasks[1];
                }, "Worker 0's executor to finish a task and start another");
                assertFalse(Files.exists(output), "the job committed before the Worker could be killed");
                List<Long> killed = c.killWorker(0, "KILL");
                int[] tasksAtKill = executorTasks(c.workerWorkDir(0), earlierApps);
                assertTrue(killed.size() >= 2, "Worker 0 had no executor to kill: " + killed);
                assertTrue(c.awaitWorkerExit(0, Duration.ofSeconds(30)), "Worker 0 survived kill -9");
                double killedAfter = secondsSince(start);
                int exit = run.await(RUN_TIMEOUT);
                System.out.printf(Locale.ROOT, "%s: Worker 0 and executor %s killed after %.1f s (tasks started, finished "
                        + "there: %s); exit %d after %.1f s%n", job, killed.subList(0, killed.size() - 1), killedAfter,
                        Arrays.toString(tasksAtKill), exit, secondsSince(start));
                assertEquals(0, exit, () -> job + " failed after the Worker was killed; log " + log + ":\n"
                        + SparkJvm.tail(log, 80));
            }
            String driverLog = Files.readString(log, StandardCharsets.ISO_8859_1);
            assertTrue(driverLog.contains("Lost executor"), "the driver never noticed the lost executor; log " + log);
            System.out.printf(Locale.ROOT, "%s: %d task(s) lost in flight with the executor, %d map task(s) resubmitted%n",
                    job, occurrences(driverLog, "its executor exited for a reason unrelated to the task"),
                    occurrences(driverLog, "Resubmitted ShuffleMapTask"));
        });
    }

    // ---- undisturbed runs (embedded, local[2]) ----

    private Path referencePretokenized() {
        if (referencePretokenized == null) {
            Path out = tmp.resolve("reference/pretokenized");
            embedded(pretokenizeArgs(out));
            referencePretokenized = out;
        }
        return referencePretokenized;
    }

    private Path referenceShards() {
        if (referenceShards == null) {
            Path out = tmp.resolve("reference/shards");
            embedded(encodeArgs(out));
            referenceShards = out;
        }
        return referenceShards;
    }

    /** The web-like corpus pretokenized, and bpe-merge on it without interruption. */
    private Path referenceMerges() {
        if (referenceMerges == null) {
            webTable = tmp.resolve("web/pretokenized");
            embedded("pretokenize", "--input", webText.toString(), "--output", webTable.toString(),
                    "--max-split-bytes", Integer.toString(32 << 20));
            Path out = tmp.resolve("reference/tokenizer");
            embedded("bpe-merge", "--input", webTable.toString(), "--vocab-size", Integer.toString(MERGE_VOCAB),
                    "--output", out.toString(), "--checkpoint-every", CHECKPOINT_EVERY);
            referenceMerges = out;
        }
        return referenceMerges;
    }

    private String[] pretokenizeArgs(Path output) {
        return new String[] {"pretokenize", "--input", corpus.toString(), "--output", output.toString(),
                "--max-split-bytes", SPLIT_BYTES};
    }

    private String[] encodeArgs(Path output) {
        return new String[] {"encode-shards", "--tokenizer", encodeTokenizer.toString(), "--input", corpus.toString(),
                "--output", output.toString(), "--shard-tokens", SHARD_TOKENS, "--max-split-bytes", SPLIT_BYTES};
    }

    private static void embedded(String... args) {
        long start = System.nanoTime();
        Embedded.run("local[2]", args);
        System.out.printf(Locale.ROOT, "embedded %s: %.1f s%n", args[0], secondsSince(start));
    }

    // ---- the cluster, processes and polling ----

    /** The shared cluster, started when first needed. */
    private StandaloneCluster cluster() throws IOException, InterruptedException {
        if (cluster == null) {
            long start = System.nanoTime();
            cluster = StandaloneCluster.start(2);
            System.out.printf(Locale.ROOT, "cluster of 2 Workers up in %.1f s%n", secondsSince(start));
        }
        return cluster;
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs a test body; on failure prints the cluster's log tails and copies its logs into the kept temp folder. */
    private void onFailureKeepLogs(StandaloneCluster c, Body body) throws Exception {
        try {
            body.run();
        } catch (AssertionError | Exception e) {
            c.dumpLogs(System.err, 60);
            c.copyLogs(tmp.resolve("cluster-logs-" + System.nanoTime()));
            throw e;
        }
    }

    /** SIGKILL to the driver JVM (nothing of it runs afterwards), then waits for it to be gone. */
    private static void killDriver(StandaloneCluster.Submission run) throws InterruptedException {
        SparkJvm.signal(List.of(run.pid()), "KILL");
        assertTrue(run.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the driver survived kill -9");
        assertEquals(137, run.process().exitValue(), "the driver's exit status (128 + SIGKILL)");
    }

    /** Waits for a condition while the job runs; fails if the job ends first or the wait is too long. */
    private static void awaitWhileRunning(StandaloneCluster.Submission run, BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            requireRunning(run, deadline, what);
            Thread.sleep(20);
        }
    }

    private static void requireRunning(StandaloneCluster.Submission run, long deadline, String what) {
        if (!run.process().isAlive()) {
            fail("the job ended (exit " + run.process().exitValue() + ") before " + what + "; log " + run.log() + ":\n"
                    + SparkJvm.tail(run.log(), 60));
        }
        if (System.nanoTime() > deadline) {
            fail("no " + what + " within " + RUN_TIMEOUT + "; log " + run.log() + ":\n" + SparkJvm.tail(run.log(), 60));
        }
    }

    /** The merge count in a checkpoint's checkpoint.json, or 0 if there is none (yet, or for a moment). */
    private static int checkpointMerges(Path checkpoint) {
        Path meta = checkpoint.resolve(MergeCheckpoint.META);
        try {
            return Files.isRegularFile(meta) ? JSON.readTree(meta.toFile()).path("merges").asInt() : 0;
        } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
            return 0; // replaced between the two calls
        } catch (IOException e) {
            throw new AssertionError("unreadable " + meta + ": the checkpoint is replaced by renames, never seen half-written", e);
        }
    }

    /**
     * The merges a resumed run starts from: what the checkpoint reader makes of the folder a killed
     * run left (the kill may have come in the middle of replacing a file), checked against its own
     * settings.
     */
    private static int resumableMerges(Path checkpoint) throws IOException {
        Path meta = checkpoint.resolve(MergeCheckpoint.META);
        if (!Files.isRegularFile(meta)) {
            meta = checkpoint.resolve("." + MergeCheckpoint.META + ".tmp");
        }
        ObjectNode settings = (ObjectNode) JSON.readTree(meta.toFile());
        return MergeCheckpoint.read(new org.apache.hadoop.fs.Path(checkpoint.toUri()), new Configuration(), settings).size();
    }

    /**
     * Asserts that {@code dir} holds no output folder {@code name} and nothing else but its hidden
     * staging folders ({@code .NAME.staging-*}) and {@code allowed}.
     */
    private static void assertOnlyStagingBeside(Path dir, String name, Set<String> allowed) throws IOException {
        for (String entry : names(dir)) {
            if (!entry.startsWith("." + name + ".staging-") && !allowed.contains(entry)) {
                fail("before the run committed, " + dir + " holds " + entry + " (all: " + names(dir) + ")");
            }
        }
    }

    /** Encoded partitions ({@code _work/part-*.tokens}) in the staging folder of output {@code name} in {@code dir}. */
    private static int encodedParts(Path dir, String name) throws IOException {
        int parts = 0;
        for (String entry : names(dir)) {
            Path work = dir.resolve(entry).resolve("_work");
            if (entry.startsWith("." + name + ".staging-") && Files.isDirectory(work)) {
                try (Stream<Path> files = Files.list(work)) {
                    parts += (int) files.filter(p -> p.getFileName().toString().matches("part-\\d+\\.tokens")).count();
                } catch (java.nio.file.NoSuchFileException e) {
                    // the work folder went away between the two calls: count again at the next poll
                }
            }
        }
        return parts;
    }

    private static TreeSet<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    /** Application folders ({@code app-*}) in a Worker's work folder. */
    private static Set<Path> appDirs(Path workDir) throws IOException {
        try (Stream<Path> s = Files.list(workDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("app-")).collect(java.util.stream.Collectors.toSet());
        }
    }

    /**
     * Tasks started and finished ("Running task", "Finished task" lines) in the executor logs of a
     * Worker's applications that are not in {@code earlierApps}.
     */
    private static int[] executorTasks(Path workDir, Set<Path> earlierApps) {
        int[] tasks = new int[2];
        try {
            for (Path app : appDirs(workDir)) {
                if (earlierApps.contains(app)) {
                    continue;
                }
                try (Stream<Path> s = Files.walk(app)) {
                    for (Path log : s.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                        String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                        tasks[0] += occurrences(text, "Running task ");
                        tasks[1] += occurrences(text, "Finished task ");
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return new int[2]; // a folder appearing while listed: count again at the next poll
        }
        return tasks;
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    // ---- comparing outputs ----

    /**
     * The pre-token table (every row, in token order, byte for byte) and stats.json (but for timings
     * and heap) equal the undisturbed run's. The Parquet part files themselves are named by a random
     * job id and hold rows in shuffle order, so the rows are compared, not the files.
     */
    private static void assertSamePretokenizeOutput(Path expected, Path actual) throws IOException {
        TreeMap<String, Long> expectedRows = table(expected.resolve(PretokenizeJob.TABLE));
        TreeMap<String, Long> actualRows = table(actual.resolve(PretokenizeJob.TABLE));
        assertTrue(expectedRows.size() > 10_000, "the reference table is too small: " + expectedRows.size());
        assertEquals(expectedRows.size(), actualRows.size(), "distinct pre-tokens");
        assertArrayEquals(canonical(expectedRows), canonical(actualRows), () -> "pre-token tables differ, first at "
                + firstDifference(expectedRows, actualRows));
        for (String name : List.of(PretokenizeJob.STATS, "report.json")) {
            assertEquals(withoutTimings(expected.resolve(name)), withoutTimings(actual.resolve(name)),
                    name + " differs from the undisturbed run's");
        }
        assertEquals(names(expected), names(actual), "files of the output folder");
    }

    /** Shards and manifest byte for byte, the same file names, and report.json's counts. */
    private static void assertSameShards(Path expected, Path actual) throws IOException {
        TreeSet<String> names = names(expected);
        assertEquals(names, names(actual), "files of the shard folder");
        long bins = names.stream().filter(n -> n.endsWith(".bin")).count();
        assertTrue(names.contains("manifest.json") && bins >= 3, "expected a manifest and several shards: " + names);
        for (String name : names) {
            if (!name.startsWith("report.")) {
                assertArrayEquals(Files.readAllBytes(expected.resolve(name)), Files.readAllBytes(actual.resolve(name)),
                        name + " differs from the undisturbed run's");
            }
        }
        JsonNode expectedReport = JSON.readTree(expected.resolve("report.json").toFile());
        JsonNode actualReport = JSON.readTree(actual.resolve("report.json").toFile());
        for (String key : List.of("documents", "tokens", "input_bytes", "shards", "invalid_utf8_documents", "skipped_records")) {
            assertEquals(expectedReport.path(key), actualReport.path(key), "report.json " + key);
        }
    }

    /** A JSON report without what depends on timing and the JVM (phases, peak heap). */
    private static JsonNode withoutTimings(Path file) throws IOException {
        ObjectNode node = (ObjectNode) JSON.readTree(file.toFile());
        node.remove(List.of("phases", "peak_driver_heap_bytes"));
        return node;
    }

    /** The rows of a Parquet pre-token table: token (as ISO-8859-1, one char per byte) → count. */
    private static TreeMap<String, Long> table(Path dir) throws IOException {
        TreeMap<String, Long> rows = new TreeMap<>();
        List<Path> parts;
        try (Stream<Path> s = Files.list(dir)) {
            parts = s.filter(p -> p.getFileName().toString().endsWith(".parquet")
                    && !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        assertFalse(parts.isEmpty(), "no Parquet file in " + dir);
        Configuration conf = new Configuration();
        for (Path part : parts) {
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                    new org.apache.hadoop.fs.Path(part.toUri())).withConf(conf).build()) {
                for (Group g; (g = reader.read()) != null; ) {
                    String token = new String(g.getBinary("token", 0).getBytes(), StandardCharsets.ISO_8859_1);
                    Long previous = rows.put(token, g.getLong("count", 0));
                    assertEquals(null, previous, "pre-token listed twice in " + dir);
                }
            }
        }
        return rows;
    }

    /** Rows as bytes in token order: length, token bytes, count. */
    private static byte[] canonical(TreeMap<String, Long> rows) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (Map.Entry<String, Long> row : rows.entrySet()) {
            byte[] token = row.getKey().getBytes(StandardCharsets.ISO_8859_1);
            out.writeInt(token.length);
            out.write(token);
            out.writeLong(row.getValue());
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static String firstDifference(TreeMap<String, Long> expected, TreeMap<String, Long> actual) {
        Set<String> all = new TreeSet<>(expected.keySet());
        all.addAll(actual.keySet());
        for (String token : all) {
            if (!java.util.Objects.equals(expected.get(token), actual.get(token))) {
                return "token " + Arrays.toString(token.getBytes(StandardCharsets.ISO_8859_1)) + ": expected count "
                        + expected.get(token) + ", got " + actual.get(token);
            }
        }
        return "(none)";
    }

    // ---- inputs ----

    /** At most {@code bytes} of a .zst corpus as plain text, cut just after a document separator. */
    private static void writeSlice(Path zst, int bytes, Path target) throws IOException {
        byte[] head;
        try (InputStream in = new ZstdInputStream(Files.newInputStream(zst))) {
            head = in.readNBytes(bytes);
        }
        byte[] separator = ("\n" + EOT + "\n").getBytes(StandardCharsets.UTF_8);
        int cut = lastIndexOf(head, separator);
        assertTrue(cut > head.length / 2, "no document separator in the slice of " + zst);
        Files.write(target, Arrays.copyOf(head, cut + separator.length));
    }

    private static int lastIndexOf(byte[] haystack, byte[] needle) {
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    private static double secondsSince(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}

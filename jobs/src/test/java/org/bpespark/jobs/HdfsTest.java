package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.bpespark.jobs.cli.PipelineCli;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.Tokenizer;
import org.bpespark.pipeline.format.ShardManifest;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three jobs with {@code hdfs://} input and output on a MiniDFSCluster (loopback, small blocks so
 * the zstd corpus spans several), run through the command line with embedded Spark {@code local[2]},
 * compared with the same run on {@code file:} paths and decoded back to the input.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class HdfsTest {
    private static final String EOT = "<|endoftext|>";
    /** Sorted by name, which is the order the jobs read them in. */
    private static final List<String> INPUTS = List.of("tinystories_en_real.txt.zst", "tinystories_sample.txt");
    private static final String VOCAB_SIZE = "1000";
    /** Small enough that the ≈ 237 KB zstd file spans four blocks. */
    private static final int BLOCK_SIZE = 64 * 1024;
    /** Splits of the ≈ 3.8 KB plain text file (the zstd file is one split). */
    private static final String SPLIT_BYTES = "1000";
    /** Small shards, so the stream is cut into several. */
    private static final String SHARD_TOKENS = "100000";

    @TempDir
    static java.nio.file.Path temp;

    private static String previousMaster;
    private static MiniDFSCluster cluster;
    private static FileSystem hdfs;
    /** {@code hdfs://127.0.0.1:<port>} */
    private static String hdfsRoot;
    /** The input as the jobs should read it: each file's bytes, in input order. */
    private static List<byte[]> inputTexts;

    @BeforeAll
    static void startHdfsAndRunBothPipelines() throws Exception {
        previousMaster = System.setProperty("spark.master", "local[2]");
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, temp.resolve("dfs").toString());
        conf.setLong("dfs.blocksize", BLOCK_SIZE);
        conf.setLong("dfs.namenode.fs-limits.min-block-size", BLOCK_SIZE);
        // MiniDFSCluster binds the NameNode and DataNode to 127.0.0.1; no web UIs are needed.
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        hdfs = cluster.getFileSystem();
        hdfsRoot = "hdfs://127.0.0.1:" + cluster.getNameNodePort();

        java.nio.file.Path localCorpus = Files.createDirectories(temp.resolve("local/corpus"));
        inputTexts = new ArrayList<>();
        for (String name : INPUTS) {
            java.nio.file.Path source = name.endsWith(".zst") ? TestData.corpus(name) : TestData.fixture(name);
            Files.copy(source, localCorpus.resolve(name));
            hdfs.copyFromLocalFile(new Path(source.toUri()), new Path(hdfsRoot + "/corpus/" + name));
            inputTexts.add(readPlain(source));
        }
        assertTrue(hdfs.getFileBlockLocations(new Path(hdfsRoot + "/corpus/" + INPUTS.get(0)), 0, Long.MAX_VALUE).length > 1,
                "the zstd corpus should span several HDFS blocks");

        runPipeline(hdfsRoot + "/corpus", hdfsRoot + "/out");
        runPipeline(localCorpus.toUri().toString(), temp.resolve("local/out").toUri().toString());
    }

    @AfterAll
    static void shutDown() {
        if (cluster != null) {
            cluster.shutdown();
        }
        if (previousMaster == null) {
            System.clearProperty("spark.master");
        } else {
            System.setProperty("spark.master", previousMaster);
        }
    }

    /**
     * pretokenize → bpe-merge → encode-shards, each its own command line, each expected to succeed.
     * Small splits make the plain text file several partitions whose records cross split ends; frequent
     * checkpoints make the merge loop write (and rename) its checkpoint files a few times.
     */
    private static void runPipeline(String corpus, String out) {
        cli(0, "pretokenize", "--input", corpus, "--output", out + "/pretokenized", "--max-split-bytes", SPLIT_BYTES);
        cli(0, "bpe-merge", "--input", out + "/pretokenized", "--vocab-size", VOCAB_SIZE, "--output", out + "/tokenizer",
                "--checkpoint-every", "200");
        cli(0, "encode-shards", "--tokenizer", out + "/tokenizer", "--input", corpus, "--output", out + "/shards",
                "--shard-tokens", SHARD_TOKENS, "--max-split-bytes", SPLIT_BYTES);
    }

    @Test
    void outputsAreOnHdfs() throws IOException {
        for (String name : List.of("pretokenized/stats.json", "pretokenized/pretokens", "tokenizer/merges.txt",
                "tokenizer/vocab.json", "tokenizer/tokenizer.json", "shards/manifest.json", "shards/shard-00000.bin",
                "shards/shard-00000.idx")) {
            assertTrue(hdfs.exists(new Path(hdfsRoot + "/out/" + name)), name + " is not on HDFS");
        }
        ShardManifest manifest = manifest(hdfsRoot + "/out/shards");
        assertTrue(manifest.shards().size() > 1, "expected several shards, got " + manifest.shards().size());
        for (ShardManifest.Shard shard : manifest.shards()) {
            assertTrue(hdfs.exists(new Path(hdfsRoot + "/out/shards/" + shard.file())), shard.file());
        }
        assertFalse(hdfs.exists(new Path(hdfsRoot + "/out/tokenizer.checkpoint")), "the merge checkpoint was left behind");
    }

    @Test
    void tokenizerEqualsTheLocalRun() throws IOException {
        for (String name : List.of(TokenizerFiles.MERGES_TXT, TokenizerFiles.VOCAB_JSON, TokenizerFiles.TOKENIZER_JSON)) {
            assertArrayEquals(Files.readAllBytes(temp.resolve("local/out/tokenizer").resolve(name)),
                    read(hdfsRoot + "/out/tokenizer/" + name), name + " differs between HDFS and local");
        }
    }

    @Test
    void shardsEqualTheLocalRun() throws IOException {
        java.nio.file.Path local = temp.resolve("local/out/shards");
        List<String> localNames;
        try (var files = Files.list(local)) {
            localNames = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("shard-")).sorted().toList();
        }
        List<String> hdfsNames = Arrays.stream(hdfs.listStatus(new Path(hdfsRoot + "/out/shards")))
                .map(s -> s.getPath().getName()).filter(n -> n.startsWith("shard-")).sorted().toList();
        assertEquals(localNames, hdfsNames);
        for (String name : localNames) {
            assertArrayEquals(Files.readAllBytes(local.resolve(name)), read(hdfsRoot + "/out/shards/" + name),
                    name + " differs between HDFS and local");
        }
        assertArrayEquals(Files.readAllBytes(local.resolve(ShardManifest.FILE_NAME)),
                read(hdfsRoot + "/out/shards/" + ShardManifest.FILE_NAME), "manifest.json differs");
    }

    /**
     * The text-input rule: each separator becomes one EOT; the text after a file's last separator is
     * one last document, followed by an EOT (nothing when the file ends with the separator).
     */
    @Test
    void shardsDecodeToTheInputDocuments() throws IOException {
        BpeModel model = TokenizerFiles.load(new TokenizerFiles.Source() {
            @Override
            public InputStream open(String name) throws IOException {
                Path file = new Path(hdfsRoot + "/out/tokenizer/" + name);
                return hdfs.exists(file) ? hdfs.open(file) : null;
            }

            @Override
            public String describe(String name) {
                return hdfsRoot + "/out/tokenizer/" + name;
            }
        });
        ShardManifest manifest = manifest(hdfsRoot + "/out/shards");
        int eot = model.specialId(EOT);
        assertEquals(eot, manifest.eotId());

        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        long documents = 0;
        long tokens = 0;
        for (ShardManifest.Shard shard : manifest.shards()) {
            int[] ids = uint16(read(hdfsRoot + "/out/shards/" + shard.file()));
            long[] ends = uint64(read(hdfsRoot + "/out/shards/" + shard.index()));
            assertEquals(shard.tokens(), ids.length, shard.file());
            assertEquals(shard.documents(), ends.length, shard.index());
            assertEquals(ids.length, ends[ends.length - 1], shard.index() + ": last document end");
            for (long end : ends) {
                assertEquals(eot, ids[(int) end - 1], shard.index() + ": a document does not end with EOT at " + end);
            }
            assertEquals(ends.length, Arrays.stream(ids).filter(id -> id == eot).count(),
                    shard.file() + ": EOTs other than document ends");
            stream.writeBytes(new Tokenizer(model).decodeBytes(ids));
            documents += ends.length;
            tokens += ids.length;
        }
        assertEquals(manifest.totalTokens(), tokens);
        assertEquals(manifest.totalDocuments(), documents);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        long expectedDocuments = 0;
        byte[] separator = EOT.getBytes(StandardCharsets.UTF_8);
        for (byte[] text : inputTexts) {
            expected.writeBytes(text);
            expectedDocuments += count(text, separator);
            if (!endsWith(text, separator)) {
                expected.writeBytes(separator);
                expectedDocuments++;
            }
        }
        assertEquals(expectedDocuments, documents, "documents");
        // compared as text so a failure shows where the streams part
        assertEquals(expected.toString(StandardCharsets.UTF_8), stream.toString(StandardCharsets.UTF_8));
        assertArrayEquals(expected.toByteArray(), stream.toByteArray());
    }

    @Test
    void existingOutputIsRefusedUnlessOverwrite() throws IOException {
        String out = hdfsRoot + "/out";
        String corpus = hdfsRoot + "/corpus";
        String pretokenize = cli(2, "pretokenize", "--input", corpus, "--output", out + "/pretokenized");
        assertTrue(pretokenize.contains("already exists") && pretokenize.contains(out + "/pretokenized"), pretokenize);
        String merge = cli(2, "bpe-merge", "--input", out + "/pretokenized", "--vocab-size", VOCAB_SIZE,
                "--output", out + "/tokenizer");
        assertTrue(merge.contains("already exists") && merge.contains(out + "/tokenizer"), merge);
        String encode = cli(2, "encode-shards", "--tokenizer", out + "/tokenizer", "--input", corpus,
                "--output", out + "/shards", "--shard-tokens", SHARD_TOKENS);
        assertTrue(encode.contains("already exists") && encode.contains(out + "/shards"), encode);

        // The refused runs left the outputs alone; with --overwrite the shards are replaced by equal ones.
        byte[] before = read(out + "/shards/shard-00000.bin");
        Path marker = new Path(out + "/shards/stale-file");
        hdfs.create(marker).close();
        cli(0, "encode-shards", "--tokenizer", out + "/tokenizer", "--input", corpus, "--output", out + "/shards",
                "--shard-tokens", SHARD_TOKENS, "--max-split-bytes", SPLIT_BYTES, "--overwrite");
        assertFalse(hdfs.exists(marker), "--overwrite kept a file of the old output");
        assertArrayEquals(before, read(out + "/shards/shard-00000.bin"));
        for (FileStatus s : hdfs.listStatus(new Path(out))) {
            assertFalse(s.getPath().getName().startsWith("."), "staging folder left behind: " + s.getPath());
        }
    }

    /** Runs a command line, asserts its exit code and returns what it wrote to stderr. */
    private static String cli(int expectedExit, String... args) {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new TeeStream(stderr, captured), true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = PipelineCli.execute(args);
        } finally {
            System.err.flush();
            System.setErr(stderr);
        }
        String err = captured.toString(StandardCharsets.UTF_8);
        if (expectedExit == 0) {
            assertEquals(0, exit, () -> String.join(" ", args) + " failed:\n" + err);
        } else {
            assertNotEquals(0, exit, () -> String.join(" ", args) + " should have been refused");
            assertEquals(expectedExit, exit, () -> String.join(" ", args) + ":\n" + err);
        }
        return err;
    }

    private static ShardManifest manifest(String dir) throws IOException {
        return ShardManifest.fromJson(read(dir + "/" + ShardManifest.FILE_NAME), dir);
    }

    private static byte[] read(String file) throws IOException {
        try (InputStream in = hdfs.open(new Path(file))) {
            return in.readAllBytes();
        }
    }

    private static byte[] readPlain(java.nio.file.Path file) throws IOException {
        if (!file.toString().endsWith(".zst")) {
            return Files.readAllBytes(file);
        }
        try (InputStream in = new ZstdInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    private static int[] uint16(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] ids = new int[bytes.length / 2];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Short.toUnsignedInt(buf.getShort());
        }
        return ids;
    }

    private static long[] uint64(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] values = new long[bytes.length / 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = buf.getLong();
        }
        return values;
    }

    private static long count(byte[] text, byte[] pattern) {
        long n = 0;
        for (int i = 0; i + pattern.length <= text.length; ) {
            if (Arrays.equals(text, i, i + pattern.length, pattern, 0, pattern.length)) {
                n++;
                i += pattern.length;
            } else {
                i++;
            }
        }
        return n;
    }

    private static boolean endsWith(byte[] text, byte[] suffix) {
        return text.length >= suffix.length
                && Arrays.equals(text, text.length - suffix.length, text.length, suffix, 0, suffix.length);
    }

    /** Writes to the console and to a buffer, so a test sees a command's messages and so does the log. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        TeeStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }
    }
}

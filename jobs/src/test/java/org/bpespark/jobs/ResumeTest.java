package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.PreTokenCounts;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bpe-merge --resume} continues an interrupted merge loop to exactly the merges of an
 * uninterrupted run. The interruptions are simulated: the uninterrupted run checkpoints every few
 * merges into a folder on {@link SnapshotFs}, the local file system under another scheme, which
 * copies that folder aside after every change to it (each rename and delete), so each copy is what a
 * {@code kill -9} at that moment would leave. Every copy must read as a checkpoint of the run (a
 * prefix of its merges, never fewer than the last complete checkpoint), and {@code --resume} from a
 * copy taken mid-way must finish with the uninterrupted run's files.
 */
class ResumeTest {
    private static final String MASTER = "local[2]";
    private static final String EOT = "<|endoftext|>";
    private static final int VOCAB_SIZE = 1000;
    private static final int CHECKPOINT_EVERY = 25;

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void resumeFromAnyCheckpointStateGivesTheUninterruptedMerges() throws Exception {
        java.nio.file.Path table = tmp.resolve("pretokenized");
        writePreTokenTable(TestData.fixture("corpus.en"), table);

        // The uninterrupted run, its checkpoint folder copied after every change.
        java.nio.file.Path full = tmp.resolve("full");
        java.nio.file.Path checkpoint = tmp.resolve("checkpoint");
        List<java.nio.file.Path> states = SnapshotFs.recording(tmp.resolve("states"), () ->
                Embedded.run(MASTER, "bpe-merge", "--input", table.toString(), "--vocab-size", Integer.toString(VOCAB_SIZE),
                        "--output", full.toString(), "--checkpoint-every", Integer.toString(CHECKPOINT_EVERY),
                        "--checkpoint-dir", SnapshotFs.SCHEME + "://" + checkpoint.toAbsolutePath()));
        List<Merge> merges = Embedded.merges(full);
        assertEquals(VOCAB_SIZE - 256 - 1, merges.size(), "the uninterrupted run learned too few merges");
        assertFalse(Files.exists(checkpoint), "the finished run left its checkpoint");
        int checkpoints = merges.size() / CHECKPOINT_EVERY;
        assertTrue(states.size() >= 2 * checkpoints, "only " + states.size() + " checkpoint states for "
                + checkpoints + " checkpoints");

        // Every state after the first complete checkpoint reads as the last complete checkpoint (or the one
        // being written): a prefix of the merges.
        Configuration conf = new Configuration();
        ObjectNode meta = null;
        int lastComplete = 0;
        java.nio.file.Path midway = null;
        java.nio.file.Path ahead = null;
        for (java.nio.file.Path state : states) {
            int committed = committedMerges(state);
            if (meta == null && committed > 0) {
                meta = (ObjectNode) new ObjectMapper().readTree(state.resolve(MergeCheckpoint.META).toFile());
            }
            if (meta == null) {
                continue; // killed before the first checkpoint was complete: nothing to resume
            }
            List<Merge> read = MergeCheckpoint.read(new Path(state.toUri()), conf, meta);
            assertTrue(read.size() >= lastComplete, state + " reads as " + read.size() + " merges, after a checkpoint of "
                    + lastComplete);
            assertEquals(merges.subList(0, read.size()), read, state + " is not a prefix of the run's merges");
            lastComplete = Math.max(lastComplete, committed);
            if (midway == null && committed >= merges.size() / 3) {
                midway = state;
            }
            if (ahead == null && committed >= 2 * merges.size() / 3 && mergesTxtLines(state) > committed) {
                ahead = state; // merges.txt already rewritten, checkpoint.json not yet: killed between the two
            }
        }
        assertTrue(midway != null && ahead != null, "no mid-way states among " + states.size());

        // --resume from a complete checkpoint a third of the way, and from the state between its two files.
        for (java.nio.file.Path state : List.of(midway, ahead)) {
            int resumedFrom = MergeCheckpoint.read(new Path(state.toUri()), conf, meta).size();
            java.nio.file.Path resumedCheckpoint = tmp.resolve("resume-" + state.getFileName());
            copyFolder(state, resumedCheckpoint);
            java.nio.file.Path resumed = tmp.resolve("resumed-" + state.getFileName());
            Embedded.run(MASTER, "bpe-merge", "--input", table.toString(), "--vocab-size", Integer.toString(VOCAB_SIZE),
                    "--output", resumed.toString(), "--checkpoint-every", Integer.toString(CHECKPOINT_EVERY),
                    "--checkpoint-dir", resumedCheckpoint.toString(), "--resume");
            assertEquals(merges, Embedded.merges(resumed), "merges resumed from " + state);
            for (String name : List.of(TokenizerFiles.MERGES_TXT, TokenizerFiles.VOCAB_JSON, TokenizerFiles.TOKENIZER_JSON)) {
                assertArrayEquals(Files.readAllBytes(full.resolve(name)), Files.readAllBytes(resumed.resolve(name)),
                        name + " resumed from " + state);
            }
            JsonNode report = new ObjectMapper().readTree(resumed.resolve(BpeMergeJob.REPORT).toFile());
            assertEquals(resumedFrom, report.path("merges_resumed_from_checkpoint").asInt(), "report of the run resumed from "
                    + state);
            assertTrue(resumedFrom > 0 && resumedFrom < merges.size(), "resumed from " + resumedFrom + " merges");
            assertFalse(Files.exists(resumedCheckpoint), "the resumed run left its checkpoint");
        }
    }

    /**
     * What {@code pretokenize} would write for a corpus ({@code pretokens/}: Parquet rows of token
     * bytes and count), counted by the engine and written with parquet-hadoop: no Spark job, so the
     * test stays quick.
     */
    private static void writePreTokenTable(java.nio.file.Path corpus, java.nio.file.Path output) throws IOException {
        SpecialTokens specials = new SpecialTokens(List.of(EOT));
        PreTokenCounter counter = new PreTokenCounter(specials);
        CorpusChunks.read(corpus, specials, 1 << 20, (buf, len) -> counter.add(buf, 0, len));
        PreTokenCounts counts = counter.toCounts();
        MessageType schema = MessageTypeParser.parseMessageType(
                "message spark_schema { required binary token; required int64 count; }");
        SimpleGroupFactory rows = new SimpleGroupFactory(schema);
        Path file = new Path(output.resolve(PretokenizeJob.TABLE).resolve("part-00000.parquet").toUri());
        try (ParquetWriter<Group> out = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, new Configuration()))
                .withType(schema).build()) {
            for (int row = 0; row < counts.size(); row++) {
                out.write(rows.newGroup().append("token", Binary.fromConstantByteArray(counts.token(row)))
                        .append("count", counts.count(row)));
            }
        }
    }

    /** The merge count a state's checkpoint.json commits to (0 without one). */
    private static int committedMerges(java.nio.file.Path state) throws IOException {
        java.nio.file.Path meta = state.resolve(MergeCheckpoint.META);
        return Files.isRegularFile(meta) ? new ObjectMapper().readTree(meta.toFile()).path("merges").asInt() : 0;
    }

    /** Merge lines in a state's merges.txt (0 without one). */
    private static long mergesTxtLines(java.nio.file.Path state) throws IOException {
        java.nio.file.Path merges = state.resolve(MergeCheckpoint.MERGES);
        if (!Files.isRegularFile(merges)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(merges)) {
            return lines.filter(l -> !l.isEmpty() && !l.startsWith("#version")).count();
        }
    }

    private static void copyFolder(java.nio.file.Path from, java.nio.file.Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<java.nio.file.Path> files = Files.list(from)) {
            for (java.nio.file.Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /**
     * The raw local file system under the scheme {@value #SCHEME}, which copies a folder after each
     * rename or single-file delete in it, while {@link #recording} runs. Spark finds it through
     * {@code spark.hadoop.fs.ckptsnap.impl}; only the checkpoint folder is given with this scheme.
     */
    public static final class SnapshotFs extends RawLocalFileSystem {
        static final String SCHEME = "ckptsnap";
        private static final List<java.nio.file.Path> STATES = new CopyOnWriteArrayList<>();
        private static volatile java.nio.file.Path statesDir;

        /** Runs {@code body} with this file system available to Spark; returns the copies, in order. */
        static List<java.nio.file.Path> recording(java.nio.file.Path dir, Runnable body) throws IOException {
            String property = "spark.hadoop.fs." + SCHEME + ".impl";
            Files.createDirectories(dir);
            STATES.clear();
            statesDir = dir;
            System.setProperty(property, SnapshotFs.class.getName());
            try {
                body.run();
            } finally {
                System.clearProperty(property);
                statesDir = null;
            }
            return new ArrayList<>(STATES);
        }

        @Override
        public URI getUri() {
            return URI.create(SCHEME + ":///");
        }

        @Override
        public String getScheme() {
            return SCHEME;
        }

        @Override
        public boolean rename(Path src, Path dst) throws IOException {
            boolean renamed = super.rename(src, dst);
            snapshot(dst.getParent());
            return renamed;
        }

        @Override
        public boolean delete(Path p, boolean recursive) throws IOException {
            boolean isFile = pathToFile(p).isFile();
            boolean deleted = super.delete(p, recursive);
            if (isFile) {
                snapshot(p.getParent());
            }
            return deleted;
        }

        private void snapshot(Path dir) throws IOException {
            java.nio.file.Path into = statesDir;
            if (into == null) {
                return;
            }
            java.nio.file.Path copy = into.resolve(String.format("%04d", STATES.size()));
            copyFolder(pathToFile(dir).toPath(), copy);
            STATES.add(copy);
        }
    }
}

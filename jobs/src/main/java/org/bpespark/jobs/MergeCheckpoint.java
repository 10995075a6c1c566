package org.bpespark.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.format.MergesTxt;

/**
 * The merge loop's checkpoint: the merges so far ({@code merges.txt}) and what they were trained
 * for ({@code checkpoint.json}: vocab size, special tokens, input), rewritten every N merges or T
 * seconds. Each file is written under a temporary name and renamed, merges.txt first, so a crash
 * (even {@code kill -9}) at any moment leaves a complete checkpoint that {@link #read} finds.
 */
final class MergeCheckpoint implements BpeTrainer.MergeListener {
    static final String MERGES = "merges.txt";
    static final String META = "checkpoint.json";

    private final FileSystem fs;
    private final Path dir;
    private final ObjectNode meta;
    private final int everyMerges;
    private final long everyNanos;
    private final List<Merge> merges = new ArrayList<>();
    private long lastWrite = System.nanoTime();
    private int written;

    MergeCheckpoint(Path dir, Configuration conf, ObjectNode meta, List<Merge> prior, int everyMerges,
                    long everySeconds) throws IOException {
        this.fs = org.bpespark.jobs.io.OutputFs.of(dir, conf);
        this.dir = dir;
        this.meta = meta;
        this.everyMerges = everyMerges;
        this.everyNanos = everySeconds * 1_000_000_000L;
        this.merges.addAll(prior);
        this.written = prior.size();
        fs.mkdirs(dir);
    }

    @Override
    public void onMerge(int rank, Merge merge, long count) {
        merges.add(merge);
        if (merges.size() - written >= everyMerges || System.nanoTime() - lastWrite >= everyNanos) {
            write();
        }
    }

    /** Number of merges in the last checkpoint written. */
    int written() {
        return written;
    }

    void write() {
        try {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            MergesTxt.write(merges, text);
            ObjectNode m = meta.deepCopy();
            m.put("merges", merges.size());
            replace(MERGES, text.toByteArray());
            replace(META, Metrics.JSON.writeValueAsBytes(m));
            written = merges.size();
            lastWrite = System.nanoTime();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write the merge checkpoint in " + dir, e);
        }
    }

    private void replace(String name, byte[] content) throws IOException {
        Path tmp = temporary(dir, name);
        try (OutputStream out = fs.create(tmp, true)) {
            out.write(content);
        }
        Path target = new Path(dir, name);
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + tmp + " to " + target);
        }
    }

    void delete() throws IOException {
        fs.delete(dir, true);
    }

    /**
     * Reads a checkpoint's merges after checking it was made for the same training. Whenever the
     * writer was killed, what it left is read as the last checkpoint it completed:
     * {@code checkpoint.json} is written after {@code merges.txt}, so a kill between the two leaves a
     * merges.txt that is ahead, whose first merges are those of checkpoint.json; and a kill between
     * deleting a file and renaming its replacement into place leaves that complete replacement under
     * its temporary name.
     *
     * @throws IllegalArgumentException if there is no checkpoint or it was made with other settings
     */
    static List<Merge> read(Path dir, Configuration conf, ObjectNode expectedMeta) throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        Path metaFile = existing(fs, dir, META);
        Path mergesFile = existing(fs, dir, MERGES);
        if (metaFile == null || mergesFile == null) {
            throw new IllegalArgumentException("--resume: no checkpoint in " + dir);
        }
        JsonNode meta;
        try (var in = fs.open(metaFile)) {
            meta = Metrics.JSON.readTree(in);
        } catch (JsonProcessingException e) {
            meta = null;
        }
        if (meta == null || !meta.isObject()) { // a first checkpoint.json cut short by the kill
            throw new IllegalArgumentException("--resume: no complete checkpoint in " + dir);
        }
        // As written to the file: the special tokens, a Java list in expectedMeta, become a JSON array.
        JsonNode expected = Metrics.JSON.valueToTree(expectedMeta);
        for (String key : new String[] {"vocab_size", "special_tokens", "input"}) {
            if (!meta.path(key).equals(expected.path(key))) {
                throw new IllegalArgumentException("--resume: the checkpoint in " + dir + " was made with " + key + " = "
                        + meta.path(key) + ", this run has " + expected.path(key));
            }
        }
        byte[] text;
        try (var in = fs.open(mergesFile)) {
            text = in.readAllBytes();
        }
        List<Merge> merges = MergesTxt.read(new ByteArrayInputStream(text), mergesFile.toString());
        int count = meta.path("merges").asInt();
        if (merges.size() < count) {
            throw new IllegalArgumentException("--resume: " + mergesFile + " holds " + merges.size()
                    + " merges, checkpoint.json says " + count);
        }
        return List.copyOf(merges.subList(0, count));
    }

    /**
     * A checkpoint file, else its temporary copy, else null. When the file is missing its copy is
     * complete ({@link #replace} deletes the file only after writing and closing the copy), except
     * before the first checkpoint.json is in place: then a copy of checkpoint.json may be cut short,
     * which {@link #read} refuses, and a copy of merges.txt comes with no checkpoint.json at all.
     */
    private static Path existing(FileSystem fs, Path dir, String name) throws IOException {
        Path file = new Path(dir, name);
        if (fs.exists(file)) {
            return file;
        }
        Path tmp = temporary(dir, name);
        return fs.exists(tmp) ? tmp : null;
    }

    private static Path temporary(Path dir, String name) {
        return new Path(dir, "." + name + ".tmp");
    }
}

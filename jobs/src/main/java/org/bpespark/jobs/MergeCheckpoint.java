package org.bpespark.jobs;

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
 * seconds. Each file is written under a temporary name and renamed, so a crash (even
 * {@code kill -9}) leaves the previous complete checkpoint.
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
        Path tmp = new Path(dir, "." + name + ".tmp");
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
     * Reads a checkpoint's merges after checking it was made for the same training.
     *
     * @throws IllegalArgumentException if there is no checkpoint or it was made with other settings
     */
    static List<Merge> read(Path dir, Configuration conf, ObjectNode expectedMeta) throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        Path metaFile = new Path(dir, META);
        Path mergesFile = new Path(dir, MERGES);
        if (!fs.exists(metaFile) || !fs.exists(mergesFile)) {
            throw new IllegalArgumentException("--resume: no checkpoint in " + dir);
        }
        JsonNode meta = Metrics.JSON.readTree(fs.open(metaFile));
        for (String key : new String[] {"vocab_size", "special_tokens", "input"}) {
            if (!meta.path(key).equals(expectedMeta.path(key))) {
                throw new IllegalArgumentException("--resume: the checkpoint in " + dir + " was made with " + key + " = "
                        + meta.path(key) + ", this run has " + expectedMeta.path(key));
            }
        }
        byte[] text;
        try (var in = fs.open(mergesFile)) {
            text = in.readAllBytes();
        }
        List<Merge> merges = MergesTxt.read(new ByteArrayInputStream(text), mergesFile.toString());
        if (merges.size() != meta.path("merges").asInt()) {
            throw new IllegalArgumentException("--resume: " + mergesFile + " holds " + merges.size()
                    + " merges, checkpoint.json says " + meta.path("merges").asInt());
        }
        return merges;
    }
}

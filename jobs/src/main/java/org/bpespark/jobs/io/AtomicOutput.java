package org.bpespark.jobs.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An output directory written all at once: everything goes into a hidden staging folder next to
 * the target ({@code .NAME.staging-UUID}), and {@link #commit()} renames it to the target, which is
 * atomic on HDFS and on local file systems. A crashed run leaves only the staging folder, which no
 * reader takes for a result and the next run ignores.
 */
public final class AtomicOutput {
    private final FileSystem fs;
    private final Path target;
    private final Path staging;
    private final boolean overwrite;

    private AtomicOutput(FileSystem fs, Path target, boolean overwrite) {
        this.fs = fs;
        this.target = target;
        this.overwrite = overwrite;
        this.staging = new Path(target.getParent(), "." + target.getName() + ".staging-" + UUID.randomUUID());
    }

    /**
     * Prepares an output directory.
     *
     * @throws FileAlreadyExistsException if the target exists and {@code overwrite} is false
     */
    public static AtomicOutput create(String target, boolean overwrite, Configuration conf) throws IOException {
        Path path = new Path(target);
        FileSystem fs = OutputFs.of(path, conf);
        path = fs.makeQualified(path);
        if (fs.exists(path) && !overwrite) {
            throw new FileAlreadyExistsException("output directory already exists: " + path
                    + " (pass --overwrite to replace it)");
        }
        AtomicOutput out = new AtomicOutput(fs, path, overwrite);
        fs.mkdirs(out.staging);
        return out;
    }

    /** Where to write; a Hadoop path string usable by Spark writers too. */
    public Path staging() {
        return staging;
    }

    public Path target() {
        return target;
    }

    public FileSystem fileSystem() {
        return fs;
    }

    /** Writes a small file into the staging folder. */
    public void writeFile(String name, byte[] content) throws IOException {
        try (OutputStream out = fs.create(new Path(staging, name), true)) {
            out.write(content);
        }
    }

    public void writeFile(String name, String content) throws IOException {
        writeFile(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Moves the staging folder to the target, replacing it when overwriting. */
    public void commit() throws IOException {
        if (fs.exists(target)) {
            if (!overwrite) {
                throw new FileAlreadyExistsException("output directory appeared while the job ran: " + target);
            }
            fs.delete(target, true);
        }
        if (!fs.rename(staging, target)) {
            throw new IOException("could not rename " + staging + " to " + target);
        }
    }

    /** Removes the staging folder after a failure. */
    public void abort() {
        try {
            fs.delete(staging, true);
        } catch (IOException ignored) {
            // best effort: a leftover staging folder is hidden and harmless
        }
    }

    /** Reads a whole small file. */
    public static byte[] readFile(Path file, Configuration conf) throws IOException {
        FileSystem fs = file.getFileSystem(conf);
        try (FSDataInputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }
}

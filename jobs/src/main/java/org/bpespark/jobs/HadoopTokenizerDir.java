package org.bpespark.jobs;

import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.format.TokenizerFiles;

/** A tokenizer directory on any Hadoop file system. */
final class HadoopTokenizerDir implements TokenizerFiles.Source {
    private final FileSystem fs;
    private final Path dir;

    private HadoopTokenizerDir(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    static BpeModel load(String dir, Configuration conf) throws IOException {
        Path path = new Path(dir);
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path)) {
            throw new java.io.FileNotFoundException("tokenizer directory does not exist: " + dir);
        }
        return TokenizerFiles.load(new HadoopTokenizerDir(fs, path));
    }

    @Override
    public InputStream open(String name) throws IOException {
        Path file = new Path(dir, name);
        return fs.isFile(file) ? fs.open(file) : null;
    }

    @Override
    public String describe(String name) {
        return name.isEmpty() ? dir.toString() : new Path(dir, name).toString();
    }
}

package org.bpespark.jobs.io;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The file system to write our own outputs with. On local disks that is the raw file system, so
 * output folders hold only the files a reader expects (no {@code .crc} side files from Hadoop's
 * checksummed local file system); elsewhere the path's own file system.
 */
public final class OutputFs {
    private OutputFs() {
    }

    public static FileSystem of(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof LocalFileSystem local ? local.getRaw() : fs;
    }
}

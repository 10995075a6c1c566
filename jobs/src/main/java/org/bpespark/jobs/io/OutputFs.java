package org.bpespark.jobs.io;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The file system to write our own outputs with. On local disks that is the raw file system, so
 * output folders hold only the files a reader expects (no {@code .crc} side files from Hadoop's
 * checksummed local file system), with permissions set through {@code java.nio}; elsewhere the
 * path's own file system.
 */
public final class OutputFs {
    private static volatile FileSystem local;

    private OutputFs() {
    }

    public static FileSystem of(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof LocalFileSystem ? local(conf) : fs;
    }

    private static FileSystem local(Configuration conf) throws IOException {
        if (local == null) {
            synchronized (OutputFs.class) {
                if (local == null) {
                    FileSystem fs = new NioPermissions();
                    fs.initialize(URI.create("file:///"), conf);
                    local = fs;
                }
            }
        }
        return local;
    }

    /**
     * Hadoop's raw local file system sets the permission of every file it creates; without Hadoop's
     * native library it does so by running {@code chmod} in a child process. The encode-shards
     * profile showed those forks on the executor threads (two files per task); this sets the same
     * bits in-process.
     */
    static final class NioPermissions extends RawLocalFileSystem {
        private static final PosixFilePermission[] BITS = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            short mode = permission.toShort();
            Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
            for (int bit = 0; bit < BITS.length; bit++) {
                if ((mode & (1 << bit)) != 0) {
                    set.add(BITS[bit]);
                }
            }
            Files.setPosixFilePermissions(pathToFile(p).toPath(), set);
        }
    }
}

package org.bpespark.jobs.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local output file system: no checksum side files, and Hadoop's permissions set in-process. */
class OutputFsTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void createsFilesWithHadoopsPermissionsAndNoChecksumFiles() throws IOException {
        Configuration conf = new Configuration();
        Path file = new Path(dir.toUri().toString(), "sub/part-00000.tokens");
        FileSystem fs = OutputFs.of(file, conf);
        try (OutputStream out = fs.create(file, true)) {
            out.write(new byte[] {1, 2, 3});
        }
        java.nio.file.Path local = dir.resolve("sub/part-00000.tokens");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(local));
        assertFalse(Files.exists(dir.resolve("sub/.part-00000.tokens.crc")), "a .crc side file was written");
        String expected = FsPermission.getFileDefault().applyUMask(FsPermission.getUMask(conf)).toString();
        assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(local)));

        fs.setPermission(file, new FsPermission((short) 0640));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(local)));
        fs.setPermission(file, new FsPermission((short) 0755));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(local)));
        assertTrue(fs.rename(file, new Path(dir.toUri().toString(), "sub/renamed")));
    }
}

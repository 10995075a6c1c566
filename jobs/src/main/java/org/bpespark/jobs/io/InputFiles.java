package org.bpespark.jobs.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Expands input paths (files, folders, globs; any Hadoop file system) into the sorted list of data
 * files to read. Sorting by full path fixes the document order whatever order a file system lists
 * in; hidden files ({@code _SUCCESS}, {@code .crc}, {@code .staging}) are skipped as Hadoop does.
 */
public final class InputFiles {
    private InputFiles() {
    }

    public static List<Path> expand(List<String> inputs, Configuration conf) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String input : inputs) {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new FileNotFoundException("input path does not exist: " + input);
            }
            for (FileStatus match : matches) {
                if (match.isDirectory()) {
                    RemoteIterator<LocatedFileStatus> it = fs.listFiles(match.getPath(), true);
                    while (it.hasNext()) {
                        LocatedFileStatus f = it.next();
                        if (!isHidden(f.getPath(), match.getPath())) {
                            files.add(f.getPath());
                        }
                    }
                } else {
                    files.add(match.getPath());
                }
            }
        }
        files.sort(null);
        for (int i = 1; i < files.size(); i++) {
            if (files.get(i).equals(files.get(i - 1))) {
                throw new IllegalArgumentException("input file given twice: " + files.get(i));
            }
        }
        if (files.isEmpty()) {
            throw new FileNotFoundException("no input files under " + inputs);
        }
        return files;
    }

    /** Whether a path under {@code root} has a component starting with '_' or '.'. */
    private static boolean isHidden(Path file, Path root) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            String name = p.getName();
            if (name.startsWith("_") || name.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** Total size in bytes of the files (compressed size for compressed files). */
    public static long totalBytes(List<Path> files, Configuration conf) throws IOException {
        long total = 0;
        for (Path f : files) {
            total += f.getFileSystem(conf).getFileStatus(f).getLen();
        }
        return total;
    }
}

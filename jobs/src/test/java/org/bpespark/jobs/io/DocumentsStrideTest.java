package org.bpespark.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compressed text file read for counting is spread over the cores ({@link Documents.Stride}): the
 * strides together give every document exactly once, each does a share, and a read in order still
 * gives one partition with the documents in file order.
 */
class DocumentsStrideTest {
    private static final String EOT = "<|endoftext|>";
    private static JavaSparkContext sc;

    @TempDir
    static java.nio.file.Path dir;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[3]").setAppName("stride-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
        // Small blocks, so that a small file's documents fall into many blocks.
        sc.hadoopConfiguration().setLong(Documents.TextSplits.STRIDE_BLOCK_BYTES, 4096);
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void stridesReadEveryDocumentOnceAndShareTheWork() throws IOException {
        List<String> docs = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 400; i++) {
            docs.add("doc " + i + " " + "x".repeat(random.nextInt(2000)));
        }
        java.nio.file.Path file = dir.resolve("corpus.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(String.join(EOT, docs).getBytes(StandardCharsets.UTF_8));
        }
        List<Path> files = List.of(new Path(file.toUri()));
        Documents.Options options = new Documents.Options(Documents.Format.TEXT, "text", EOT, false, false, 0);

        Documents counting = new Documents(sc, options);
        JavaRDD<Documents.Piece> spread = counting.read(sc, files, List.of(EOT), false);
        assertEquals(3, spread.getNumPartitions(), "one stride per core for a single compressed file");
        List<List<Documents.Piece>> parts = spread.glom().collect();
        List<String> seen = new ArrayList<>();
        for (List<Documents.Piece> part : parts) {
            assertTrue(part.size() > 50, "a stride read only " + part.size() + " documents");
            part.forEach(p -> seen.add(new String(p.bytes(), StandardCharsets.UTF_8)));
        }
        assertEquals(docs.stream().sorted().toList(), seen.stream().sorted().toList());
        assertEquals(docs.size(), counting.documentCount());

        Documents encoding = new Documents(sc, options);
        JavaRDD<Documents.Piece> ordered = encoding.read(sc, files, List.of(EOT), true);
        assertEquals(1, ordered.getNumPartitions());
        assertEquals(docs, ordered.map(p -> new String(p.bytes(), StandardCharsets.UTF_8)).collect());
    }
}

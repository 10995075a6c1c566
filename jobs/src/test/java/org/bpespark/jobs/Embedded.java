package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bpespark.jobs.cli.PipelineCli;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.format.MergesTxt;
import org.bpespark.pipeline.text.SpecialTokens;

/** Runs the command line in this JVM with a chosen Spark master, and compares outputs. */
final class Embedded {
    private Embedded() {
    }

    /** Runs {@code PipelineCli} with {@code spark.master} set; fails with the command's stderr if it does not exit 0. */
    static void run(String master, String... args) {
        int code = runForExitCode(master, args);
        assertEquals(0, code, () -> "pipeline " + String.join(" ", args) + " exited " + code);
    }

    static int runForExitCode(String master, String... args) {
        String previous = System.getProperty("spark.master");
        System.setProperty("spark.master", master);
        try {
            return PipelineCli.execute(args);
        } finally {
            if (previous == null) {
                System.clearProperty("spark.master");
            } else {
                System.setProperty("spark.master", previous);
            }
        }
    }

    /** Runs a command and returns its exit code and what it wrote to stderr. */
    static Map.Entry<Integer, String> runCapturingErr(String master, String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            int code = runForExitCode(master, args);
            return Map.entry(code, err.toString());
        } finally {
            System.setErr(original);
        }
    }

    static List<Merge> merges(Path tokenizerDir) throws IOException {
        try (InputStream in = Files.newInputStream(tokenizerDir.resolve("merges.txt"))) {
            return MergesTxt.read(in, tokenizerDir.toString());
        }
    }

    /** The engine alone on local text files: the reference the Spark jobs must equal. */
    static BpeModel trainWithEngine(List<Path> files, int vocabSize, List<String> specials) throws IOException {
        SpecialTokens specialTokens = new SpecialTokens(specials);
        PreTokenCounter counter = new PreTokenCounter(specialTokens);
        for (Path f : files) {
            CorpusChunks.read(f, specialTokens, 1 << 24, (buf, len) -> counter.add(buf, 0, len));
        }
        return new BpeTrainer(vocabSize, specials).train(counter.toCounts());
    }

    /** Every file under a folder (relative name → bytes), except run-dependent reports. */
    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                String name = dir.relativize(p).toString();
                if (!name.endsWith("report.json") && !name.endsWith("report.md") && !name.endsWith("stats.json")
                        && !name.contains("pretokenized")) {
                    out.put(name, Files.readAllBytes(p));
                }
            }
        }
        return out;
    }
}

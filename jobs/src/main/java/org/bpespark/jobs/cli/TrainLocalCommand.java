package org.bpespark.jobs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bpespark.jobs.PeakHeap;
import org.bpespark.jobs.io.BadInputException;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.ParallelCounting;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.format.TokenizerFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training with the engine alone in this JVM: no Spark session is started. For benchmarks and small corpora. */
@Command(name = "train-local", mixinStandardHelpOptions = true,
        description = "Train with the engine alone in this JVM (no Spark): local text files (.zst, .gz or plain), "
                + "documents separated by the first special token, counted on --threads threads. "
                + "Prints wall time, peak heap and merges/s.")
final class TrainLocalCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "FILE", description = "Local text files.")
    List<Path> inputs;

    @Option(names = "--vocab-size", required = true, paramLabel = "N", description = "Vocabulary size.")
    int vocabSize;

    @Option(names = "--output", paramLabel = "DIR", description = "Where to write vocab.json, merges.txt, tokenizer.json (optional).")
    Path output;

    @Option(names = "--threads", paramLabel = "N", description = "Counting threads (default: the number of cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Mixin
    SpecialTokenOptions specials;

    @Override
    public Integer call() throws Exception {
        for (Path input : inputs) {
            if (!Files.exists(input)) {
                throw new BadInputException("input path does not exist: " + input);
            }
            if (!Files.isRegularFile(input)) {
                throw new BadInputException("not a file: " + input + " (train-local reads local files; train reads folders and globs)");
            }
        }
        BpeTrainer trainer = new BpeTrainer(vocabSize, specials.list());
        long start = System.nanoTime();
        long[] bytes = {0};
        PreTokenCounter counter = ParallelCounting.count(inputs, specials.list(), threads, bytes);
        if (bytes[0] == 0) {
            throw new BadInputException("the input holds no text: " + inputs);
        }
        long counted = System.nanoTime();
        BpeModel model = trainer.train(counter.toCounts());
        long trained = System.nanoTime();
        if (output != null) {
            TokenizerFiles.saveLocal(model, output);
        }
        long end = System.nanoTime();
        double loop = (trained - counted) / 1e9;
        System.out.printf(Locale.ROOT, "input_bytes=%d unique_pretokens=%d merges=%d vocab_size=%d%n", bytes[0],
                counter.distinct(), model.mergeCount(), model.vocabSize());
        System.out.printf(Locale.ROOT, "read_and_count_s=%.3f merge_loop_s=%.3f write_s=%.3f wall_s=%.3f%n",
                (counted - start) / 1e9, loop, (end - trained) / 1e9, (end - start) / 1e9);
        System.out.printf(Locale.ROOT, "merges_per_s=%.0f peak_heap_mib=%.1f%n", model.mergeCount() / loop,
                PeakHeap.bytes() / 1048576.0);
        if (output != null) {
            System.out.println("tokenizer: " + output.toAbsolutePath());
        }
        return 0;
    }
}

package org.bpespark.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.BpeMergeJob;
import org.bpespark.pipeline.BpeTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bpe-merge", mixinStandardHelpOptions = true,
        description = "Learn BPE merges from a pretokenize output: pair counts map-reduce, then the incremental merge "
                + "loop on the driver. Writes merges.txt, vocab.json, tokenizer.json and report.json.")
final class BpeMergeCommand extends SparkCommand {
    @Option(names = "--input", required = true, paramLabel = "DIR", description = "Output folder of pretokenize.")
    String input;

    @Option(names = "--vocab-size", required = true, paramLabel = "N",
            description = "Vocabulary size: 256 bytes + merges + special tokens.")
    int vocabSize;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Tokenizer folder (must not exist).")
    String output;

    @Option(names = "--overwrite", description = "Replace the output folder if it exists.")
    boolean overwrite;

    @Mixin
    SpecialTokenOptions specials;

    @Mixin
    CheckpointOptions checkpoint;

    @Override
    String appName() {
        return "bpe-merge";
    }

    BpeMergeJob.Options options() {
        return checkpoint.apply(input, vocabSize, output, specials.list(), overwrite);
    }

    @Override
    void validate() {
        new BpeTrainer(vocabSize, specials.list());
    }

    @Override
    JsonNode run(SparkSession spark) throws Exception {
        return BpeMergeJob.run(spark, options());
    }
}

package org.bpespark.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.BpeMergeJob;
import org.bpespark.jobs.Metrics;
import org.bpespark.jobs.PretokenizeJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "pretokenize + bpe-merge in one Spark session: DIR/pretokenized and DIR/tokenizer.")
final class TrainCommand extends SparkCommand {
    static final String PRETOKENIZED = "pretokenized";
    static final String TOKENIZER = "tokenizer";

    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH", description = "Input files, folders or globs.")
    List<String> inputs;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output root folder.")
    String output;

    @Option(names = "--vocab-size", required = true, paramLabel = "N", description = "Vocabulary size.")
    int vocabSize;

    @Option(names = "--overwrite", description = "Replace outputs that exist.")
    boolean overwrite;

    @Mixin
    SpecialTokenOptions specials;

    @Mixin
    ReadOptions read;

    @Mixin
    CheckpointOptions checkpoint;

    @Override
    String appName() {
        return "bpe-train";
    }

    @Override
    void validate() {
        new org.bpespark.pipeline.BpeTrainer(vocabSize, specials.list());
        read.toOptions(specials.separator());
    }

    @Override
    JsonNode run(SparkSession spark) throws Exception {
        return train(spark, inputs, output, vocabSize, specials, read, checkpoint, overwrite);
    }

    /** Both training jobs; returns {pretokenize: stats, bpe_merge: report}. */
    static ObjectNode train(SparkSession spark, List<String> inputs, String output, int vocabSize,
                            SpecialTokenOptions specials, ReadOptions read, CheckpointOptions checkpoint,
                            boolean overwrite) throws Exception {
        String pretokenized = new Path(output, PRETOKENIZED).toString();
        ObjectNode stats = PretokenizeJob.run(spark, new PretokenizeJob.Options(inputs, pretokenized, specials.list(),
                read.toOptions(specials.separator()), overwrite));
        ObjectNode merge = BpeMergeJob.run(spark, checkpoint.apply(pretokenized, vocabSize,
                new Path(output, TOKENIZER).toString(), specials.list(), overwrite));
        ObjectNode both = Metrics.JSON.createObjectNode();
        both.set("pretokenize", stats);
        both.set("bpe_merge", merge);
        return both;
    }
}

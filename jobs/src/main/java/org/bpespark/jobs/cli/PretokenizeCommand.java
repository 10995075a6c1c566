package org.bpespark.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.PretokenizeJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pretokenize", mixinStandardHelpOptions = true,
        description = "Split documents on special tokens, pre-tokenize with the GPT-2 pattern and count pre-tokens. "
                + "Writes DIR/pretokens (Parquet: token binary, count long) and DIR/stats.json.")
final class PretokenizeCommand extends SparkCommand {
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Input files, folders or globs (file:, hdfs:, s3a:).")
    List<String> inputs;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output folder (must not exist).")
    String output;

    @Option(names = "--overwrite", description = "Replace the output folder if it exists.")
    boolean overwrite;

    @Mixin
    SpecialTokenOptions specials;

    @Mixin
    ReadOptions read;

    @Override
    String appName() {
        return "bpe-pretokenize";
    }

    PretokenizeJob.Options options() {
        return new PretokenizeJob.Options(inputs, output, specials.list(), read.toOptions(specials.separator()), overwrite);
    }

    @Override
    void validate() {
        options();
    }

    @Override
    JsonNode run(SparkSession spark) throws Exception {
        return PretokenizeJob.run(spark, options());
    }
}

package org.bpespark.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.EncodeShardsJob;
import org.bpespark.jobs.Metrics;
import org.bpespark.jobs.RunReport;
import org.bpespark.pipeline.format.TokenShards;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "The whole pipeline in one Spark session: pretokenize, bpe-merge, encode-shards, then report.json "
                + "and report.md. With no --input it uses the bundled sample corpus.")
final class RunCommand extends SparkCommand {
    static final String SAMPLE = "jobs/sample/tinystories_en_real.txt.zst";
    static final String SHARDS = "shards";

    @Option(names = "--input", arity = "1..*", paramLabel = "PATH",
            description = "Input files, folders or globs (default: the bundled sample, " + SAMPLE + ").")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--output", paramLabel = "DIR", description = "Output root (default: out/run-<timestamp>).")
    String output;

    @Option(names = "--vocab-size", defaultValue = "4096", paramLabel = "N", description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--shard-tokens", defaultValue = "" + EncodeShardsCommand.DEFAULT_SHARD_TOKENS, paramLabel = "N",
            description = "Tokens per shard (default: ${DEFAULT-VALUE}).")
    long shardTokens;

    @Option(names = "--dtype", defaultValue = "uint16", paramLabel = "uint16|uint32", description = "Token type in the shards.")
    String dtype;

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
        return "bpe-run";
    }

    @Override
    void validate() {
        String home = System.getProperty("bpe.home", ".");
        if (inputs.isEmpty()) {
            java.nio.file.Path sample = java.nio.file.Path.of(home, SAMPLE);
            if (!Files.isRegularFile(sample)) {
                throw new IllegalArgumentException("no --input given and the bundled sample is not at " + sample);
            }
            inputs = List.of(sample.toAbsolutePath().toUri().toString());
        }
        if (output == null) {
            output = java.nio.file.Path.of(home, "out", "run-" + LocalDateTime.now()
                    .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath().toString();
        }
        new org.bpespark.pipeline.BpeTrainer(vocabSize, specials.list());
        TokenShards.Dtype.parse(dtype);
    }

    @Override
    JsonNode run(SparkSession spark) throws Exception {
        ObjectNode trained = TrainCommand.train(spark, inputs, output, vocabSize, specials, read, checkpoint, overwrite);
        String tokenizer = new Path(output, TrainCommand.TOKENIZER).toString();
        String shards = new Path(output, SHARDS).toString();
        ObjectNode encode = EncodeShardsJob.run(spark, new EncodeShardsJob.Options(tokenizer, inputs, shards, shardTokens,
                TokenShards.Dtype.parse(dtype), specials.list(), read.toOptions(specials.separator()), overwrite));
        ObjectNode report = RunReport.combine(trained.get("pretokenize"), trained.get("bpe_merge"), encode,
                spark.sparkContext().defaultParallelism());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        write(new Path(output, "report.json"), Metrics.JSON.writeValueAsString(report), conf);
        write(new Path(output, "report.md"), RunReport.markdown(report), conf);
        return report;
    }

    /** Where everything went, as the last lines of the output. */
    @Override
    void afterReport() {
        System.out.println();
        System.out.println("tokenizer: " + new Path(output, TrainCommand.TOKENIZER) + "  (vocab.json, merges.txt, tokenizer.json)");
        System.out.println("shards:    " + new Path(output, SHARDS) + "  (shard-*.bin uint16, shard-*.idx, manifest.json)");
        System.out.println("report:    " + new Path(output, "report.md") + "  and report.json");
    }

    private static void write(Path file, String content, Configuration conf) throws java.io.IOException {
        FileSystem fs = org.bpespark.jobs.io.OutputFs.of(file, conf);
        try (FSDataOutputStream out = fs.create(file, true)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
    }
}

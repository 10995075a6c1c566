package org.bpespark.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.EncodeShardsJob;
import org.bpespark.pipeline.format.TokenShards;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "encode-shards", mixinStandardHelpOptions = true,
        description = "Encode every document (each followed by EOT) with a trained tokenizer into token shards: "
                + "shard-NNNNN.bin (little-endian uint16), shard-NNNNN.idx (uint64 document ends) and manifest.json.")
final class EncodeShardsCommand extends SparkCommand {
    static final long DEFAULT_SHARD_TOKENS = 100_000_000L;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Tokenizer folder: tokenizer.json, or vocab.json + merges.txt.")
    String tokenizer;

    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH", description = "Input files, folders or globs.")
    List<String> inputs;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Shard folder (must not exist).")
    String output;

    @Option(names = "--shard-tokens", defaultValue = "" + DEFAULT_SHARD_TOKENS, paramLabel = "N",
            description = "Tokens per shard; shards are cut at document boundaries (default: ${DEFAULT-VALUE}).")
    long shardTokens;

    @Option(names = "--dtype", defaultValue = "uint16", paramLabel = "uint16|uint32",
            description = "Token type in the shards (default: ${DEFAULT-VALUE}); uint16 is refused for more than 65,536 ids.")
    String dtype;

    @Option(names = "--special-token", paramLabel = "S",
            description = "Special tokens to recognise (default: all of the tokenizer's); the first ends each document "
                    + "(default <|endoftext|>). Each must be in the tokenizer.")
    List<String> specialTokens = new ArrayList<>();

    @Option(names = "--overwrite", description = "Replace the output folder if it exists.")
    boolean overwrite;

    @Mixin
    ReadOptions read;

    @Override
    String appName() {
        return "bpe-encode-shards";
    }

    EncodeShardsJob.Options options() {
        return new EncodeShardsJob.Options(tokenizer, inputs, output, shardTokens, TokenShards.Dtype.parse(dtype),
                specialTokens, read.toOptions(SpecialTokenOptions.DEFAULT), overwrite);
    }

    @Override
    void validate() {
        options();
    }

    @Override
    JsonNode run(SparkSession spark) throws Exception {
        return EncodeShardsJob.run(spark, options());
    }
}

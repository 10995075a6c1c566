package org.bpespark.jobs.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import org.bpespark.pipeline.accounting.Gpt2Preset;
import org.bpespark.pipeline.accounting.ResourceAccounting;
import org.bpespark.pipeline.accounting.TrainingTime;
import org.bpespark.pipeline.accounting.TransformerConfig;
import org.bpespark.pipeline.format.ShardManifest;
import org.bpespark.pipeline.format.TokenizerFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Resource accounting of a Transformer LM for the tokenizer and shards at hand; no Spark session is started. */
@Command(name = "accounting", mixinStandardHelpOptions = true,
        description = "Parameters, forward FLOPs by component, AdamW memory, FLOPs per step and time to train of a "
                + "Transformer LM (CS336 assignment 1: SwiGLU, RMSNorm, untied LM head). Shape from --preset and/or "
                + "the shape options (which override the preset).")
final class AccountingCommand implements Callable<Integer> {
    @Option(names = "--preset", paramLabel = "NAME",
            description = "gpt2-small, gpt2-medium, gpt2-large or gpt2-xl: layers, d_model, heads, d_ff = 4 d_model, "
                    + "context 1,024 and (if no other source gives it) GPT-2's vocabulary of 50,257.")
    String preset;

    @ArgGroup
    VocabSource vocab = new VocabSource();

    static final class VocabSource {
        @Option(names = "--tokenizer", paramLabel = "DIR", description = "A trained tokenizer folder: its vocabulary size.")
        Path tokenizer;

        @Option(names = "--vocab-size", paramLabel = "N", description = "Vocabulary size.")
        Integer size;
    }

    @Option(names = "--context", paramLabel = "T", description = "Context length in tokens.")
    Integer context;

    @Option(names = "--layers", paramLabel = "L", description = "Transformer blocks.")
    Integer layers;

    @Option(names = "--d-model", paramLabel = "D", description = "Residual stream width.")
    Integer dModel;

    @Option(names = "--heads", paramLabel = "H", description = "Attention heads (must divide d_model).")
    Integer heads;

    @Option(names = "--d-ff", paramLabel = "F", description = "SwiGLU hidden width.")
    Integer dFf;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @ArgGroup
    TokenSource tokens = new TokenSource();

    static final class TokenSource {
        @Option(names = "--shards", paramLabel = "DIR",
                description = "A token-shard folder: train on its manifest's total_tokens (and use its vocab_size "
                        + "if neither --tokenizer nor --vocab-size is given).")
        Path shards;

        @Option(names = "--tokens", paramLabel = "N", description = "Tokens to train on.")
        Long count;
    }

    @Option(names = "--mfu", paramLabel = "F", defaultValue = "" + TrainingTime.DEFAULT_MFU,
            description = "Model FLOPs utilisation (default: ${DEFAULT-VALUE}).")
    double mfu;

    @Option(names = "--peak-flops", paramLabel = "FLOP/S", defaultValue = "" + TrainingTime.H100_BF16_DENSE_FLOPS,
            description = "Peak FLOP/s of the accelerators (default: ${DEFAULT-VALUE}, one H100 SXM, BF16 dense; "
                    + "the datasheet's 1,979 TFLOP/s is with sparsity).")
    double peakFlops;

    @Option(names = "--json", description = "Print JSON instead of the table.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Gpt2Preset shape = preset == null ? null : Gpt2Preset.parse(preset);
        ShardManifest manifest = tokens.shards == null ? null : readManifest(tokens.shards);
        TransformerConfig config = new TransformerConfig(vocabSize(shape, manifest),
                pick(context, shape, p -> Gpt2Preset.CONTEXT_LENGTH, "--context"),
                pick(layers, shape, p -> p.layers, "--layers"),
                pick(dModel, shape, p -> p.dModel, "--d-model"),
                pick(heads, shape, p -> p.heads, "--heads"),
                pick(dFf, shape, Gpt2Preset::dFf, "--d-ff"));
        ResourceAccounting accounting = ResourceAccounting.of(config, batch);
        Long trainingTokens = manifest != null ? Long.valueOf(manifest.totalTokens()) : tokens.count;
        if (trainingTokens != null) {
            accounting = accounting.trainingOn(trainingTokens, mfu, peakFlops);
        }
        System.out.print(json ? accounting.json() + "\n" : accounting.table());
        return 0;
    }

    private int vocabSize(Gpt2Preset shape, ShardManifest manifest) throws IOException {
        if (vocab.tokenizer != null) {
            return TokenizerFiles.load(TokenizerFiles.localDir(vocab.tokenizer)).vocabSize();
        } else if (vocab.size != null) {
            return vocab.size;
        } else if (manifest != null) {
            return manifest.vocabSize();
        }
        return pick(null, shape, p -> Gpt2Preset.VOCAB_SIZE, "--tokenizer or --vocab-size");
    }

    /** The option's value, else the preset's, else a refusal naming the option. */
    private static int pick(Integer given, Gpt2Preset shape, ToIntFunction<Gpt2Preset> fromPreset, String option) {
        if (given != null) {
            return given;
        } else if (shape == null) {
            throw new IllegalArgumentException(option + " is required without --preset");
        }
        return fromPreset.applyAsInt(shape);
    }

    private static ShardManifest readManifest(Path shards) throws IOException {
        Path file = shards.resolve(ShardManifest.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException(file + " not found (is " + shards + " a token-shard folder?)");
        }
        return ShardManifest.fromJson(Files.readAllBytes(file), file.toString());
    }
}

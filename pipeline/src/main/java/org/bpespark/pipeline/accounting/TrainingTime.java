package org.bpespark.pipeline.accounting;

/**
 * Time to train on a number of tokens: {@code steps · FLOPs per step / (MFU · peak FLOP/s)}, where
 * a step is one batch of full-context sequences and the last, partial batch counts as a whole step.
 *
 * @param tokens             tokens to train on (one pass), e.g. a shard folder's total_tokens
 * @param tokensPerStep      batch · context length
 * @param flopsPerStep       forward + backward FLOPs of one step (3 × forward)
 * @param mfu                model FLOPs utilisation, in (0, 1]
 * @param peakFlopsPerSecond the accelerator's peak for the number format trained in
 */
public record TrainingTime(long tokens, long tokensPerStep, double flopsPerStep, double mfu, double peakFlopsPerSecond) {
    /**
     * NVIDIA H100 SXM, BF16 tensor cores, dense: 989.4 TFLOP/s (the datasheet's 1,979 TFLOP/s is with
     * 2:4 structured sparsity, which dense training does not use).
     */
    public static final double H100_BF16_DENSE_FLOPS = 989.4e12;
    public static final double DEFAULT_MFU = 0.5;

    public TrainingTime {
        if (tokens < 0 || tokensPerStep <= 0) {
            throw new IllegalArgumentException("tokens " + tokens + " and tokens per step " + tokensPerStep
                    + " must be non-negative and positive");
        }
        if (!(mfu > 0 && mfu <= 1)) {
            throw new IllegalArgumentException("MFU must be in (0, 1], got " + mfu);
        }
        if (!(peakFlopsPerSecond > 0)) {
            throw new IllegalArgumentException("peak FLOP/s must be positive, got " + peakFlopsPerSecond);
        }
    }

    public long steps() {
        return (tokens + tokensPerStep - 1) / tokensPerStep;
    }

    public double totalFlops() {
        return steps() * flopsPerStep;
    }

    public double seconds() {
        return totalFlops() / (mfu * peakFlopsPerSecond);
    }
}

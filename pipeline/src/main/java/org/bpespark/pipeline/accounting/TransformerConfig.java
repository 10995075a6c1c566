package org.bpespark.pipeline.accounting;

/**
 * The shape of a Transformer LM (see the package documentation for the architecture).
 *
 * @param vocabSize     V, the tokenizer's vocabulary size (rows of the embedding, columns of the LM head)
 * @param contextLength T, tokens per sequence
 * @param layers        L, Transformer blocks
 * @param dModel        d, the residual stream width
 * @param heads         h, attention heads; must divide d
 * @param dFf           the SwiGLU hidden width
 */
public record TransformerConfig(int vocabSize, int contextLength, int layers, int dModel, int heads, int dFf) {
    public TransformerConfig {
        positive("vocab size", vocabSize);
        positive("context length", contextLength);
        positive("layers", layers);
        positive("d_model", dModel);
        positive("heads", heads);
        positive("d_ff", dFf);
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("d_model " + dModel + " is not a multiple of the " + heads + " heads");
        }
    }

    /** Width of one attention head, d/h. */
    public int dHead() {
        return dModel / heads;
    }

    private static void positive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }
}

package org.bpespark.pipeline.accounting;

/**
 * Trainable parameters by component, summed over the layers.
 *
 * @param tokenEmbedding       V·d
 * @param attentionProjections L·4·d² (Q, K, V, O; no biases)
 * @param ffn                  L·3·d·d_ff (SwiGLU W1, W2, W3; no biases)
 * @param rmsNorms             (2·L + 1)·d (two gains a block and the final norm)
 * @param lmHead               d·V (untied)
 */
public record ParameterCounts(long tokenEmbedding, long attentionProjections, long ffn, long rmsNorms, long lmHead) {
    public static final int FLOAT32_BYTES = 4;

    public static ParameterCounts of(TransformerConfig c) {
        long d = c.dModel();
        return new ParameterCounts(
                Exact.product(c.vocabSize(), d),
                Exact.product(c.layers(), 4, d, d),
                Exact.product(c.layers(), 3, d, c.dFf()),
                Exact.product(2L * c.layers() + 1, d),
                Exact.product(d, c.vocabSize()));
    }

    public long total() {
        return tokenEmbedding + attentionProjections + ffn + rmsNorms + lmHead;
    }

    public long float32Bytes() {
        return Exact.product(total(), FLOAT32_BYTES);
    }
}

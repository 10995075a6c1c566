package org.bpespark.pipeline.accounting;

import java.util.ArrayList;
import java.util.List;

/**
 * Peak memory of a training step with AdamW, all in float32, as the CS336 assignment-1 handout
 * accounts it: parameters, their gradients, AdamW's two moments (m and v), and the activations kept
 * for the backward pass. For B sequences of T tokens, the activations counted are the outputs of:
 *
 * <pre>
 * per block (× L)
 *   rms_norms          2 RMSNorms                       2·B·T·d
 *   qkv_projections    Q, K, V projections              3·B·T·d
 *   attention_scores   Qᵀ·K                             B·h·T²
 *   softmax            softmax of the scores            B·h·T²
 *   weighted_sum       softmax · V                      B·T·d
 *   output_projection  O projection                     B·T·d
 *   w1_matmul          W1 x                             B·T·d_ff
 *   w3_matmul          W3 x                             B·T·d_ff
 *   silu               SiLU(W1 x)                       B·T·d_ff
 *   w2_matmul          W2 (SiLU(W1 x) ⊙ W3 x)           B·T·d
 * once
 *   final_rms_norm     final RMSNorm                    B·T·d
 *   output_embedding   LM head (the logits)             B·T·V
 *   cross_entropy      softmax of the logits            B·T·V
 * </pre>
 *
 * This is the handout's list with W3 added for SwiGLU (the handout's FFN has W1, SiLU and W2 only).
 * The gated product SiLU(W1 x) ⊙ W3 x, the embedding lookup and the residual sums are not in
 * the list and are not counted.
 */
public record TrainingMemory(long parameterBytes, long gradientBytes, long optimizerStateBytes,
                             List<ActivationTerm> activations) {
    /**
     * One kind of stored activation.
     *
     * @param name     the key in the JSON output ({@code softmax}, …)
     * @param elements float32 values kept, over all blocks and the batch
     */
    public record ActivationTerm(String name, long elements) {
        public long bytes() {
            return Exact.product(elements, ParameterCounts.FLOAT32_BYTES);
        }
    }

    public TrainingMemory {
        activations = List.copyOf(activations);
    }

    public static TrainingMemory of(TransformerConfig c, int batch) {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        long parameterBytes = ParameterCounts.of(c).float32Bytes();
        long tokens = Exact.product(batch, c.contextLength());
        long model = Exact.product(tokens, c.dModel());
        long hidden = Exact.product(tokens, c.dFf());
        long attention = Exact.product(batch, c.heads(), c.contextLength(), c.contextLength());
        long logits = Exact.product(tokens, c.vocabSize());
        int layers = c.layers();
        List<ActivationTerm> terms = new ArrayList<>();
        terms.add(new ActivationTerm("rms_norms", Exact.product(layers, 2, model)));
        terms.add(new ActivationTerm("qkv_projections", Exact.product(layers, 3, model)));
        terms.add(new ActivationTerm("attention_scores", Exact.product(layers, attention)));
        terms.add(new ActivationTerm("softmax", Exact.product(layers, attention)));
        terms.add(new ActivationTerm("weighted_sum", Exact.product(layers, model)));
        terms.add(new ActivationTerm("output_projection", Exact.product(layers, model)));
        terms.add(new ActivationTerm("w1_matmul", Exact.product(layers, hidden)));
        terms.add(new ActivationTerm("w3_matmul", Exact.product(layers, hidden)));
        terms.add(new ActivationTerm("silu", Exact.product(layers, hidden)));
        terms.add(new ActivationTerm("w2_matmul", Exact.product(layers, model)));
        terms.add(new ActivationTerm("final_rms_norm", model));
        terms.add(new ActivationTerm("output_embedding", logits));
        terms.add(new ActivationTerm("cross_entropy", logits));
        return new TrainingMemory(parameterBytes, parameterBytes, Exact.product(2, parameterBytes), terms);
    }

    public long activationBytes() {
        long sum = 0;
        for (ActivationTerm term : activations) {
            sum = Math.addExact(sum, term.bytes());
        }
        return sum;
    }

    public long total() {
        return parameterBytes + gradientBytes + optimizerStateBytes + activationBytes();
    }
}

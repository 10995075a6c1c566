package org.bpespark.pipeline.accounting;

import java.util.Locale;

/** The matrix multiplies of a forward pass, grouped as the accounting reports them. */
public enum FlopComponent {
    ATTENTION_PROJECTIONS("attention projections Q, K, V, O", true),
    ATTENTION_SCORES("attention scores QK^T", true),
    ATTENTION_WEIGHTED_SUM("attention weighted sum AV", true),
    FFN("SwiGLU FFN W1, W2, W3", true),
    LM_HEAD("LM head", false);

    public final String label;
    /** Whether every block has one (else the model has one, after the blocks). */
    public final boolean perLayer;

    FlopComponent(String label, boolean perLayer) {
        this.label = label;
        this.perLayer = perLayer;
    }

    /** The key in the JSON output: {@code attention_scores}, … */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Both attention matmuls, the part that grows with the square of the context. */
    public boolean isAttentionMatrix() {
        return this == ATTENTION_SCORES || this == ATTENTION_WEIGHTED_SUM;
    }
}

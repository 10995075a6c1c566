/**
 * Resource accounting for a decoder-only Transformer LM trained on the tokenizer's output: parameters,
 * forward FLOPs, AdamW training memory, FLOPs per step and time to train, by component.
 *
 * <p>The model is Stanford CS336 assignment 1's {@code TransformerLM}:
 *
 * <pre>
 * token ids ─ token embedding (V × d)
 *           ─ L × [ x + Attn(RMSNorm(x)),  x + SwiGLU(RMSNorm(x)) ]    pre-norm blocks
 *                 Attn:   Q, K, V, O projections (d × d each, no biases), h heads of d/h, RoPE, causal softmax
 *                 SwiGLU: W2 (SiLU(W1 x) ⊙ W3 x), W1 and W3 d_ff × d, W2 d × d_ff, no biases
 *           ─ final RMSNorm ─ LM head (d × V, not tied to the embedding) ─ logits
 * </pre>
 *
 * RMSNorm has a gain vector of d parameters; RoPE has none. Forward FLOPs count matrix multiplies
 * only ({@code 2·m·n·p} for an m×n by n×p product): norms, softmax, SiLU, RoPE and residual additions
 * are a lower-order term. A training step costs three forward passes (the backward pass two).
 * Memory follows the CS336 handout's question on AdamW accounting: everything in float32, and the
 * activations it lists (see {@link org.bpespark.pipeline.accounting.TrainingMemory}).
 *
 * <p>Entry point: {@link org.bpespark.pipeline.accounting.ResourceAccounting#of}.
 */
package org.bpespark.pipeline.accounting;

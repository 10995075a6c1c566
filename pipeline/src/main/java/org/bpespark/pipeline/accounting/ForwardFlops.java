package org.bpespark.pipeline.accounting;

import java.util.EnumMap;
import java.util.Map;

/**
 * Forward-pass FLOPs of a batch of full-context sequences, by component. Counted in doubles: the
 * counts of one sequence are exact (integers below 2⁵³), a large batch's are close enough.
 */
public final class ForwardFlops {
    private final int layers;
    /** FLOPs of one block for the per-layer components, of the whole model for the LM head. */
    private final Map<FlopComponent, Double> perOccurrence;

    private ForwardFlops(int layers, Map<FlopComponent, Double> perOccurrence) {
        this.layers = layers;
        this.perOccurrence = perOccurrence;
    }

    public static ForwardFlops of(TransformerConfig c, int batch) {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        long t = c.contextLength();
        long tokens = (long) batch * t;
        long d = c.dModel();
        // Attention is a T×T matrix per head and sequence: h heads of d/h make it batch·2·T²·d per matmul.
        long headMatrices = (long) batch * c.heads();
        Map<FlopComponent, Double> flops = new EnumMap<>(FlopComponent.class);
        flops.put(FlopComponent.ATTENTION_PROJECTIONS, 4 * matmul(tokens, d, d));
        flops.put(FlopComponent.ATTENTION_SCORES, headMatrices * matmul(t, c.dHead(), t));
        flops.put(FlopComponent.ATTENTION_WEIGHTED_SUM, headMatrices * matmul(t, t, c.dHead()));
        flops.put(FlopComponent.FFN, 3 * matmul(tokens, d, c.dFf()));
        flops.put(FlopComponent.LM_HEAD, matmul(tokens, d, c.vocabSize()));
        return new ForwardFlops(c.layers(), flops);
    }

    /** FLOPs of an (m × n) by (n × p) product: m·p dot products of n multiplies and n adds. */
    static double matmul(long m, long n, long p) {
        return 2.0 * m * n * p;
    }

    /** FLOPs of one block's share of a per-layer component. */
    public double perLayer(FlopComponent component) {
        if (!component.perLayer) {
            throw new IllegalArgumentException(component + " is not in the blocks");
        }
        return perOccurrence.get(component);
    }

    /** FLOPs of a component in the whole model. */
    public double total(FlopComponent component) {
        double once = perOccurrence.get(component);
        return component.perLayer ? layers * once : once;
    }

    public double total() {
        double sum = 0;
        for (FlopComponent component : FlopComponent.values()) {
            sum += total(component);
        }
        return sum;
    }

    /** The component's fraction of the forward pass, in [0, 1]. */
    public double share(FlopComponent component) {
        return total(component) / total();
    }
}

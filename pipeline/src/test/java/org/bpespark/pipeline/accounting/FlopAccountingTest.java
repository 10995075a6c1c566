package org.bpespark.pipeline.accounting;

import static org.bpespark.pipeline.accounting.FlopComponent.ATTENTION_PROJECTIONS;
import static org.bpespark.pipeline.accounting.FlopComponent.ATTENTION_SCORES;
import static org.bpespark.pipeline.accounting.FlopComponent.ATTENTION_WEIGHTED_SUM;
import static org.bpespark.pipeline.accounting.FlopComponent.FFN;
import static org.bpespark.pipeline.accounting.FlopComponent.LM_HEAD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Forward FLOPs: the GPT-2 XL figures and the shares by component of the GPT-2 family. */
class FlopAccountingTest {
    private static final ForwardFlops XL = ForwardFlops.of(ParameterAccountingTest.GPT2_XL, 1);

    /** A figure as the issue prints it: {@code decimals} decimals in units of {@code unit} FLOPs. */
    private static String printed(double flops, double unit, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", flops / unit);
    }

    @Test
    void gpt2XlPerLayerFiguresExactly() {
        // 4 projections of (1,024 × 1,600)·(1,600 × 1,600); 25 heads of Q·Kᵀ and A·V at 1,024² × 64;
        // 3 FFN matrices of (1,024 × 1,600)·(1,600 × 6,400).
        assertEquals(4 * 2.0 * 1_024 * 1_600 * 1_600, XL.perLayer(ATTENTION_PROJECTIONS));
        assertEquals(25 * 2.0 * 1_024 * 64 * 1_024, XL.perLayer(ATTENTION_SCORES));
        assertEquals(XL.perLayer(ATTENTION_SCORES), XL.perLayer(ATTENTION_WEIGHTED_SUM));
        assertEquals(3 * 2.0 * 1_024 * 1_600 * 6_400, XL.perLayer(FFN));
        assertEquals(2.0 * 1_024 * 1_600 * 50_257, XL.total(LM_HEAD));

        assertEquals("20.97", printed(XL.perLayer(ATTENTION_PROJECTIONS), 1e9, 2));
        assertEquals("6.71", printed(XL.perLayer(ATTENTION_SCORES) + XL.perLayer(ATTENTION_WEIGHTED_SUM), 1e9, 2));
        assertEquals("62.91", printed(XL.perLayer(FFN), 1e9, 2));
        assertEquals("164.7", printed(XL.total(LM_HEAD), 1e9, 1));
        assertEquals("4.51", printed(XL.total(), 1e12, 2));
        assertEquals(4_513_336_524_800.0, XL.total());
    }

    @Test
    void perLayerComponentsAddUpOverTheLayers() {
        for (FlopComponent component : FlopComponent.values()) {
            if (component.perLayer) {
                assertEquals(48 * XL.perLayer(component), XL.total(component), component.name());
            }
        }
    }

    /**
     * Shares of the forward pass in percent, from the closed forms (per layer 8·T·d², 2·T²·d twice,
     * 6·T·d·d_ff; LM head 2·T·d·V) evaluated separately.
     */
    @ParameterizedTest(name = "{0} at context {1}")
    @CsvSource({
        "SMALL,  1024, 16.58,  5.53,  5.53, 49.75, 22.61",
        "MEDIUM, 1024, 19.96,  4.99,  4.99, 59.87, 10.20",
        "LARGE,  1024, 21.40,  4.28,  4.28, 64.20,  5.84",
        "XL,     1024, 22.30,  3.57,  3.57, 66.91,  3.65",
        "XL,    16384, 10.77, 27.58, 27.58, 32.32,  1.76",
    })
    void gpt2Shares(Gpt2Preset preset, int context, String projections, String scores, String weightedSum,
                    String ffn, String lmHead) {
        ForwardFlops f = ForwardFlops.of(preset.config(Gpt2Preset.VOCAB_SIZE, context), 1);
        assertEquals(projections, printed(f.share(ATTENTION_PROJECTIONS), 0.01, 2));
        assertEquals(scores, printed(f.share(ATTENTION_SCORES), 0.01, 2));
        assertEquals(weightedSum, printed(f.share(ATTENTION_WEIGHTED_SUM), 0.01, 2));
        assertEquals(ffn, printed(f.share(FFN), 0.01, 2));
        assertEquals(lmHead, printed(f.share(LM_HEAD), 0.01, 2));
    }

    @ParameterizedTest
    @EnumSource(Gpt2Preset.class)
    void sharesSumToOneAndAttentionGrowsWithContext(Gpt2Preset preset) {
        double previousAttention = 0;
        for (int context = 1_024; context <= 16_384; context *= 2) {
            ForwardFlops f = ForwardFlops.of(preset.config(Gpt2Preset.VOCAB_SIZE, context), 1);
            double sum = 0;
            double attention = 0;
            for (FlopComponent component : FlopComponent.values()) {
                sum += f.share(component);
                attention += component.isAttentionMatrix() ? f.share(component) : 0;
            }
            assertEquals(1.0, sum, 1e-12, preset + " at " + context);
            assertTrue(attention > previousAttention, preset + " at " + context + ": " + attention);
            previousAttention = attention;
        }
    }

    @Test
    void aBatchIsThatManySequences() {
        ForwardFlops eight = ForwardFlops.of(ParameterAccountingTest.GPT2_XL, 8);
        for (FlopComponent component : FlopComponent.values()) {
            assertEquals(8 * XL.total(component), eight.total(component), component.name());
            assertEquals(XL.share(component), eight.share(component), 1e-15, component.name());
        }
    }
}

package org.bpespark.pipeline.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Trainable parameters: the issue's GPT-2 XL figures, exactly, and a shape small enough to count by hand. */
class ParameterAccountingTest {
    static final TransformerConfig GPT2_XL = new TransformerConfig(50_257, 1_024, 48, 1_600, 25, 6_400);

    @Test
    void gpt2XlHas2127057600ParametersAnd8508230400Float32Bytes() {
        ParameterCounts p = ParameterCounts.of(GPT2_XL);
        assertEquals(2_127_057_600L, p.total());
        assertEquals(8_508_230_400L, p.float32Bytes());
        assertEquals(50_257L * 1_600, p.tokenEmbedding());
        assertEquals(48L * 4 * 1_600 * 1_600, p.attentionProjections());
        assertEquals(48L * 3 * 1_600 * 6_400, p.ffn());
        assertEquals(97L * 1_600, p.rmsNorms());
        assertEquals(p.tokenEmbedding(), p.lmHead());
    }

    @Test
    void theXlPresetIsTheIssuesShape() {
        assertEquals(GPT2_XL, Gpt2Preset.XL.config(Gpt2Preset.VOCAB_SIZE, Gpt2Preset.CONTEXT_LENGTH));
        assertEquals(Gpt2Preset.XL, Gpt2Preset.parse("gpt2-xl"));
        assertEquals(Gpt2Preset.MEDIUM, Gpt2Preset.parse("Medium"));
        assertThrows(IllegalArgumentException.class, () -> Gpt2Preset.parse("gpt3"));
    }

    @Test
    void aTinyShapeCountedByHand() {
        // V=10, d=8, L=2, d_ff=16: embedding 80, attention 2·4·64 = 512, FFN 2·3·8·16 = 768,
        // norms (2·2+1)·8 = 40, head 80.
        ParameterCounts p = ParameterCounts.of(new TransformerConfig(10, 4, 2, 8, 2, 16));
        assertEquals(new ParameterCounts(80, 512, 768, 40, 80), p);
        assertEquals(1_480, p.total());
        assertEquals(5_920, p.float32Bytes());
    }

    @Test
    void headsMustDivideDModel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TransformerConfig(10, 4, 2, 8, 3, 16));
        assertEquals("d_model 8 is not a multiple of the 3 heads", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TransformerConfig(10, 0, 2, 8, 2, 16));
    }
}

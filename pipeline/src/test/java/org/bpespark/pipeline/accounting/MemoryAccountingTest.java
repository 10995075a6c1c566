package org.bpespark.pipeline.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AdamW training memory of a shape small enough to count by hand. */
class MemoryAccountingTest {
    @Test
    void aTinyShapeCountedByHand() {
        // V=10, T=4, L=2, d=8, h=2, d_ff=16, batch 3: 1,480 parameters (see ParameterAccountingTest).
        TrainingMemory m = TrainingMemory.of(new TransformerConfig(10, 4, 2, 8, 2, 16), 3);
        assertEquals(1_480 * 4, m.parameterBytes());
        assertEquals(1_480 * 4, m.gradientBytes());
        assertEquals(2 * 1_480 * 4, m.optimizerStateBytes());

        // B·T = 12 positions: B·T·d = 96, B·T·d_ff = 192, B·h·T² = 3·2·16 = 96, B·T·V = 120.
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("rms_norms", 2L * 2 * 96);
        expected.put("qkv_projections", 2L * 3 * 96);
        expected.put("attention_scores", 2L * 96);
        expected.put("softmax", 2L * 96);
        expected.put("weighted_sum", 2L * 96);
        expected.put("output_projection", 2L * 96);
        expected.put("w1_matmul", 2L * 192);
        expected.put("w3_matmul", 2L * 192);
        expected.put("silu", 2L * 192);
        expected.put("w2_matmul", 2L * 96);
        expected.put("final_rms_norm", 96L);
        expected.put("output_embedding", 120L);
        expected.put("cross_entropy", 120L);
        Map<String, Long> actual = new LinkedHashMap<>();
        for (TrainingMemory.ActivationTerm term : m.activations()) {
            actual.put(term.name(), term.elements());
        }
        assertEquals(expected, actual);

        // per block 192+288+96+96+96+96+192+192+192+96 = 1,536; × 2 blocks + 96 + 120 + 120 = 3,408 floats
        assertEquals(3_408 * 4, m.activationBytes());
        assertEquals(4 * 5_920 + 13_632, m.total());
    }

    @Test
    void activationsScaleWithTheBatchAndTheRestDoesNot() {
        TransformerConfig xl = ParameterAccountingTest.GPT2_XL;
        TrainingMemory one = TrainingMemory.of(xl, 1);
        TrainingMemory four = TrainingMemory.of(xl, 4);
        assertEquals(4 * one.activationBytes(), four.activationBytes());
        assertEquals(4 * 8_508_230_400L, four.total() - four.activationBytes());
    }
}

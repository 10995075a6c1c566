package org.bpespark.pipeline.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** FLOPs per step and the time to train. */
class TrainingTimeAccountingTest {
    @Test
    void aStepIsThreeForwardPasses() {
        ResourceAccounting a = ResourceAccounting.of(ParameterAccountingTest.GPT2_XL, 2);
        assertEquals(3 * 2 * 4_513_336_524_800.0, a.flopsPerStep());
    }

    @Test
    void gpt2XlFor400kStepsOfBatch1024OnAnA100() {
        // CS336's AdamW question: 400K steps of 1,024 sequences of 1,024 tokens at 50% of an A100's
        // 19.5 TFLOP/s in float32. 400,000 · 3 · 1,024 · 4,513,336,524,800 / 9.75e12 s ≈ 6,584 days.
        long tokens = 400_000L * 1_024 * 1_024;
        TrainingTime t = ResourceAccounting.of(ParameterAccountingTest.GPT2_XL, 1_024)
                .trainingOn(tokens, 0.5, 19.5e12).training().orElseThrow();
        assertEquals(400_000, t.steps());
        assertEquals(1_024 * 1_024, t.tokensPerStep());
        assertEquals(400_000 * 3 * 1_024 * 4_513_336_524_800.0 / 9.75e12, t.seconds(), 1e-6);
        assertEquals("6583.6", String.format(Locale.ROOT, "%.1f", t.seconds() / 86_400));
    }

    @Test
    void aPartialLastBatchIsAWholeStep() {
        TrainingTime t = new TrainingTime(4_097, 4_096, 1e12, 0.25, 1e12);
        assertEquals(2, t.steps());
        assertEquals(2e12, t.totalFlops());
        assertEquals(8.0, t.seconds());
        assertEquals(0, new TrainingTime(0, 4_096, 1e12, 0.25, 1e12).steps());
        assertEquals(1, new TrainingTime(4_096, 4_096, 1e12, 0.25, 1e12).steps());
    }

    @Test
    void refusesAnMfuOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new TrainingTime(1, 1, 1, 0, 1e12));
        assertThrows(IllegalArgumentException.class, () -> new TrainingTime(1, 1, 1, 1.5, 1e12));
        assertThrows(IllegalArgumentException.class, () -> new TrainingTime(1, 1, 1, 0.5, 0));
    }
}

package org.bpespark.pipeline.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The two renderings: JSON for notebooks, a table for people. */
class ResourceAccountingTest {
    private static final ResourceAccounting XL = ResourceAccounting.of(ParameterAccountingTest.GPT2_XL, 1)
            .trainingOn(1_000_000, 0.5, TrainingTime.H100_BF16_DENSE_FLOPS);

    @Test
    void jsonHoldsTheFigures() throws IOException {
        JsonNode json = new ObjectMapper().readTree(XL.json());
        assertEquals(50_257, json.at("/config/vocab_size").asInt());
        assertEquals(2_127_057_600L, json.at("/parameters/total").asLong());
        assertEquals(8_508_230_400L, json.at("/parameters/float32_bytes").asLong());
        assertEquals(20_971_520_000.0, json.at("/forward_flops/per_layer/attention_projections").asDouble());
        assertEquals(164_682_137_600.0, json.at("/forward_flops/by_component/lm_head").asDouble());
        assertEquals(4_513_336_524_800.0, json.at("/forward_flops/total").asDouble());
        assertTrue(json.at("/forward_flops/per_layer/lm_head").isMissingNode());
        double shares = 0;
        for (JsonNode share : json.at("/forward_flops/shares")) {
            shares += share.asDouble();
        }
        assertEquals(1.0, shares, 1e-12);
        assertEquals(XL.memory().total(), json.at("/memory_bytes/total").asLong());
        assertEquals(13, json.at("/memory_bytes/activations_by_term").size());
        assertEquals(3 * 4_513_336_524_800.0, json.at("/flops_per_step").asDouble());
        assertEquals(977, json.at("/training/steps").asLong()); // ⌈1,000,000 / 1,024⌉
    }

    @Test
    void withoutATokenCountThereIsNoTrainingSection() throws IOException {
        ResourceAccounting a = ResourceAccounting.of(ParameterAccountingTest.GPT2_XL, 1);
        assertTrue(new ObjectMapper().readTree(a.json()).at("/training").isMissingNode());
        assertFalse(a.table().contains("Training on"));
    }

    @Test
    void tableShowsTheFiguresAsTheIssuePrintsThem() {
        String table = XL.table();
        assertTrue(table.contains("2,127,057,600"), table);
        assertTrue(table.contains("8,508,230,400 bytes in float32"), table);
        assertTrue(table.matches("(?s).*attention projections Q, K, V, O\\s+20\\.97 G\\s+1\\.007 T\\s+22\\.30%.*"), table);
        assertTrue(table.matches("(?s).*SwiGLU FFN W1, W2, W3\\s+62\\.91 G.*"), table);
        assertTrue(table.matches("(?s).*LM head\\s+-\\s+164\\.7 G.*"), table);
        assertTrue(table.matches("(?s).*\\n  total\\s+4\\.513 T\\s+100\\.00%.*"), table);
        assertTrue(table.contains("Training on 1,000,000 tokens: 977 steps of 1,024 tokens"), table);
        assertTrue(table.chars().allMatch(ch -> ch < 128), "ASCII only");
    }

    @Test
    void siPrefixesKeepFourSignificantDigits() {
        assertEquals("20.97 G", AccountingTable.si(20_971_520_000.0));
        assertEquals("164.7 G", AccountingTable.si(164_682_137_600.0));
        assertEquals("1.000 K", AccountingTable.si(999.96));
        assertEquals("0.500 ", AccountingTable.si(0.5));
    }

    @Test
    void durationsInTheLargestReadableUnit() {
        assertEquals("0.0481 s", AccountingTable.duration(0.0481));
        assertEquals("2.5 min (150 s)", AccountingTable.duration(150));
        assertEquals("3.0 h (10,800 s)", AccountingTable.duration(10_800));
        assertEquals("6,583.6 days (568,819,274 s)", AccountingTable.duration(568_819_274.0));
    }
}

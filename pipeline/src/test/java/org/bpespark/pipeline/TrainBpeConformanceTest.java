package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.format.ByteLevel;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.Test;

/** CS336 test_train_bpe.py T1 and T2 (SPEC.md section 3), reading the upstream fixtures. */
class TrainBpeConformanceTest {
    private static final List<String> EOT = List.of("<|endoftext|>");

    static BpeModel trainFile(Path file, int vocabSize, List<String> specials) throws IOException {
        PreTokenCounter counter = new PreTokenCounter(new SpecialTokens(specials));
        byte[] text = Files.readAllBytes(file);
        counter.add(text, 0, text.length);
        return new BpeTrainer(vocabSize, specials).train(counter.toCounts());
    }

    @Test
    void t1_trainingCorpusEnTakesUnderOneAndAHalfSeconds() throws IOException {
        trainFile(Conformance.fixture("corpus.en"), 500, EOT); // warm-up: class loading and JIT are not the trainer
        long start = System.nanoTime();
        trainFile(Conformance.fixture("corpus.en"), 500, EOT);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 1.5, "train_bpe(corpus.en, 500) took " + seconds + " s");
    }

    @Test
    void t2_mergesAndVocabularyEqualTheReference() throws IOException {
        BpeModel model = trainFile(Conformance.fixture("corpus.en"), 500, EOT);
        List<Merge> expected = Conformance.readMerges(Conformance.fixture("train-bpe-reference-merges.txt"));
        assertEquals(243, expected.size());
        assertEquals(expected, model.merges());

        assertEquals(500, model.vocabSize());
        Set<String> values = new HashSet<>();
        for (int id = 0; id < model.vocabSize(); id++) {
            values.add(ByteLevel.encode(model.tokenBytes(id)));
        }
        Set<String> expectedValues = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            expectedValues.add(ByteLevel.encode(new byte[] {(byte) b}));
        }
        expectedValues.add("<|endoftext|>");
        for (Merge m : expected) {
            expectedValues.add(ByteLevel.encode(m.merged()));
        }
        assertEquals(expectedValues, values);
    }
}

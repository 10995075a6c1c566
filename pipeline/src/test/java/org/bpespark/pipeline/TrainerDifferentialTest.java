package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.Test;

/**
 * {@link BpeTrainer} (incremental pair counts, a lazy heap) against {@link NaiveBpe} (recount
 * everything for every merge) on many small random corpora, plus invariances of training and the
 * encoder against the naive encoder.
 */
class TrainerDifferentialTest {
    private static final List<List<String>> SPECIAL_SETS = List.of(
            List.of(),
            List.of("<|endoftext|>"),
            List.of("<|endoftext|>", "<|endoftext|><|endoftext|>"));
    /**
     * Few symbols, so pairs collide and ties are common: repeated letters for overlapping pairs
     * ("aaaa" counts (a,a) three times, merges it twice), multi-byte characters whose bytes compare
     * unsigned above ASCII, an apostrophe for contractions, a digit and a space.
     */
    private static final String[] ALPHABET = {"a", "a", "b", "c", "l", "'", "é", "中", "🙃", "1", " "};

    /** A corpus of random words over a few symbols of {@link #ALPHABET}, documents separated by specials. */
    static String randomCorpus(Random random, List<String> specials) {
        List<String> symbols = new ArrayList<>();
        for (int n = 2 + random.nextInt(4); n > 0; n--) {
            symbols.add(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        StringBuilder corpus = new StringBuilder();
        for (int words = random.nextInt(60); words > 0; words--) {
            if (random.nextInt(8) == 0 && !specials.isEmpty()) {
                corpus.append(specials.get(random.nextInt(specials.size())));
            } else if (random.nextInt(3) > 0) {
                corpus.append(' ');
            } else if (random.nextInt(4) == 0) {
                corpus.append('\n');
            }
            String symbol = symbols.get(random.nextInt(symbols.size()));
            if (random.nextInt(4) == 0) {
                corpus.append(symbol.repeat(2 + random.nextInt(5)));
            } else {
                for (int n = 1 + random.nextInt(6); n > 0; n--) {
                    corpus.append(symbols.get(random.nextInt(symbols.size())));
                }
            }
        }
        return corpus.toString();
    }

    static PreTokenCounts engineCounts(String corpus, List<String> specials, int repeats) {
        PreTokenCounter counter = new PreTokenCounter(new SpecialTokens(specials));
        for (int i = 0; i < repeats; i++) {
            counter.add(corpus);
        }
        return counter.toCounts();
    }

    private static String describe(List<Merge> merges) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < merges.size(); i++) {
            out.append("\n  #").append(i).append(' ').append(merges.get(i));
        }
        return out.toString();
    }

    private static void assertSameMerges(List<Merge> expected, List<Merge> actual, String context) {
        assertEquals(expected, actual, () -> context + "\nexpected merges:" + describe(expected)
                + "\nactual merges:" + describe(actual));
    }

    @Test
    void trainerEqualsTheNaiveTrainerOnSmallRandomCorpora() {
        Randomized.check("trainer vs naive trainer", 0x7EA1_0001L, 1_500, random -> {
            List<String> specials = SPECIAL_SETS.get(random.nextInt(SPECIAL_SETS.size()));
            String corpus = randomCorpus(random, specials);
            int vocabSize = 256 + specials.size() + random.nextInt(80);
            String context = "corpus " + HostileText.escape(corpus) + ", vocab " + vocabSize + ", specials " + specials;

            List<Merge> expected = NaiveBpe.train(NaiveBpe.countPreTokens(corpus, specials), vocabSize, specials);
            BpeModel model = new BpeTrainer(vocabSize, specials).train(engineCounts(corpus, specials, 1));
            assertSameMerges(expected, model.merges(), context);

            // Every id holds a distinct value; the vocabulary is full unless the corpus ran out of pairs.
            Set<NaiveBpe.Bytes> values = new HashSet<>();
            for (int id = 0; id < model.vocabSize(); id++) {
                values.add(new NaiveBpe.Bytes(model.tokenBytes(id)));
            }
            assertEquals(model.vocabSize(), values.size(), () -> context + ": duplicate vocabulary values");
            assertEquals(256 + specials.size() + expected.size(), model.vocabSize(), context);
        });
    }

    /** Repeating the corpus k times multiplies every count by k, which must not change any choice. */
    @Test
    void repeatingTheCorpusKeepsTheMerges() {
        Randomized.check("corpus repeated k times", 0x7EA1_0002L, 500, random -> {
            List<String> specials = SPECIAL_SETS.get(random.nextInt(SPECIAL_SETS.size()));
            String corpus = randomCorpus(random, specials);
            int vocabSize = 256 + specials.size() + random.nextInt(80);
            int k = 2 + random.nextInt(6);
            BpeModel once = new BpeTrainer(vocabSize, specials).train(engineCounts(corpus, specials, 1));
            BpeModel repeated = new BpeTrainer(vocabSize, specials).train(engineCounts(corpus, specials, k));
            assertSameMerges(once.merges(), repeated.merges(),
                    "corpus " + HostileText.escape(corpus) + " repeated " + k + " times, vocab " + vocabSize);
        });
    }

    /**
     * The order of the rows of the count table must not matter, nor splitting a row's count over two
     * rows with the same bytes (which {@link PreTokenCounts} allows).
     */
    @Test
    void rowOrderAndSplitRowsOfTheCountTableDoNotChangeTheMerges() {
        Randomized.check("count table rows shuffled and split", 0x7EA1_0003L, 500, random -> {
            List<String> specials = SPECIAL_SETS.get(random.nextInt(SPECIAL_SETS.size()));
            String corpus = randomCorpus(random, specials);
            int vocabSize = 256 + specials.size() + random.nextInt(80);
            PreTokenCounts table = engineCounts(corpus, specials, 3);

            List<Integer> rows = new ArrayList<>();
            for (int row = 0; row < table.size(); row++) {
                rows.add(row);
            }
            Collections.shuffle(rows, random);
            PreTokenCounts shuffled = new PreTokenCounts();
            PreTokenCounts split = new PreTokenCounts();
            List<Runnable> secondHalves = new ArrayList<>();
            for (int row : rows) {
                byte[] token = table.token(row);
                long count = table.count(row);
                shuffled.add(token, count);
                long first = 1 + random.nextInt((int) count); // 1..count; the rest goes to a later row
                split.add(token.clone(), first);
                if (first < count) {
                    secondHalves.add(() -> split.add(token.clone(), count - first));
                }
            }
            Collections.shuffle(secondHalves, random);
            secondHalves.forEach(Runnable::run);

            String context = "corpus " + HostileText.escape(corpus) + ", vocab " + vocabSize;
            List<Merge> expected = new BpeTrainer(vocabSize, specials).train(table).merges();
            assertSameMerges(expected, new BpeTrainer(vocabSize, specials).train(shuffled).merges(), context + ", rows shuffled");
            assertSameMerges(expected, new BpeTrainer(vocabSize, specials).train(split).merges(), context + ", rows split");
        });
    }

    /** {@link Tokenizer#encode} against applying the merges in creation order to each pre-token. */
    @Test
    void encoderEqualsTheNaiveEncoder() {
        Randomized.check("encoder vs naive encoder", 0x7EA1_0004L, 150, random -> {
            List<String> specials = SPECIAL_SETS.get(random.nextInt(SPECIAL_SETS.size()));
            StringBuilder corpus = new StringBuilder();
            for (int doc = 0; doc < 20; doc++) {
                corpus.append(random.nextBoolean() ? randomCorpus(random, specials) : HostileText.text(random, 30));
            }
            int vocabSize = 256 + specials.size() + 20 + random.nextInt(200);
            BpeModel model = new BpeTrainer(vocabSize, specials).train(engineCounts(corpus.toString(), specials, 1));
            Tokenizer tokenizer = new Tokenizer(model);
            for (int i = 0; i < 20; i++) {
                String text = random.nextBoolean() ? randomCorpus(random, specials) : HostileText.text(random, 20);
                assertArrayEquals(NaiveBpe.encode(model, text), tokenizer.encode(text),
                        () -> "text " + HostileText.escape(text) + ", model with " + model.mergeCount()
                                + " merges, specials " + specials);
            }
        });
    }

    /** The naive trainer itself, on a case worked out by hand (so the reference is not trusted blindly). */
    @Test
    void naiveTrainerFollowsTheSpecOnAHandWorkedCase() {
        // The special token is dropped and separates documents: pre-tokens "aaa", " aaa", " aa", "ab", once each.
        List<String> specials = List.of("<|endoftext|>");
        Map<NaiveBpe.Bytes, Long> counts = NaiveBpe.countPreTokens("aaa aaa aa<|endoftext|>ab", specials);
        assertEquals(Set.of(bytes("aaa"), bytes(" aaa"), bytes(" aa"), bytes("ab")), counts.keySet());
        // 1. (a,a) = 2 + 2 + 1 wins; "aaa" becomes [aa, a] (left to right, no overlap).
        // 2. (aa,a) = 2 and ( ,aa) = 2 tie; the left tokens decide: "aa" > " ".
        // 3. ( ,aaa), ( ,aa), (a,b) = 1 each: "a" > " " decides.
        // 4. ( ,aaa) vs ( ,aa): equal left tokens, and "aa" is a prefix of "aaa", so "aa" is smaller.
        // 5. ( ,aa).
        List<Merge> merges = NaiveBpe.train(counts, 256 + 1 + 5, specials);
        assertEquals(List.of(merge("a", "a"), merge("aa", "a"), merge("a", "b"), merge(" ", "aaa"), merge(" ", "aa")),
                merges);
        assertEquals(merges, new BpeTrainer(256 + 1 + 5, specials).train(engineCounts("aaa aaa aa<|endoftext|>ab", specials, 1))
                .merges());
    }

    private static NaiveBpe.Bytes bytes(String s) {
        return NaiveBpe.Bytes.of(s);
    }

    private static Merge merge(String left, String right) {
        return new Merge(left.getBytes(StandardCharsets.UTF_8), right.getBytes(StandardCharsets.UTF_8));
    }
}

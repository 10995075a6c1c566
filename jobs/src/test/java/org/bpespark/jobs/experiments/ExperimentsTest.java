package org.bpespark.jobs.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import it.unimi.dsi.fastutil.bytes.ByteArrays;
import it.unimi.dsi.fastutil.objects.ObjectOpenCustomHashSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bpespark.jobs.Metrics;
import org.bpespark.jobs.TestData;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.PreTokenCounts;
import org.bpespark.pipeline.Tokenizer;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.text.SpecialTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The experiments on two CS336 fixtures (TinyStories stories and English-French web sentences),
 * with every figure recomputed here the plain way: the cross-domain matrix from the saved
 * tokenizers, the overlap from both sides, each merge's count by recounting the pairs.
 */
class ExperimentsTest {
    private static final List<String> SPECIALS = List.of("<|endoftext|>");
    private static final SpecialTokens SPECIAL_TOKENS = new SpecialTokens(SPECIALS);
    private static final List<Experiments.Domain> DOMAINS = List.of(
            new Experiments.Domain("stories", TestData.fixture("tinystories_sample.txt"), 300),
            new Experiments.Domain("web", TestData.fixture("corpus.en"), 300));

    @TempDir
    static Path out;
    static JsonNode report;

    @BeforeAll
    static void runExperiments() throws Exception {
        Experiments.Settings settings = new Experiments.Settings(false, DOMAINS, 0, 1 << 20, 1, 5);
        report = Experiments.run(settings, out, System.err);
    }

    @Test
    void reportOnDiskIsTheOneReturned() throws Exception {
        assertEquals(Metrics.JSON.readTree(Metrics.JSON.writeValueAsString(report)),
                Metrics.JSON.readTree(out.resolve(Experiments.JSON_FILE).toFile()));
        assertEquals("bpe-spark-experiments", report.path("format").asText());
    }

    @Test
    void crossDomainMatrixIsEachSavedTokenizerOnEachCorpus() throws Exception {
        for (Experiments.Domain tokenizerDomain : DOMAINS) {
            BpeModel model = TokenizerFiles.load(TokenizerFiles.localDir(
                    out.resolve(Experiments.TOKENIZERS).resolve(tokenizerDomain.name())));
            for (Experiments.Domain corpus : DOMAINS) {
                String text = Files.readString(corpus.corpus()); // both fixtures are shorter than the slice
                int tokens = new Tokenizer(model).encode(text).length;
                double expected = (double) text.getBytes(StandardCharsets.UTF_8).length / tokens;
                JsonNode compression = report.path("compression");
                assertEquals(tokens, compression.path("tokens").path(tokenizerDomain.name()).path(corpus.name()).asLong());
                assertEquals(expected, compression.path("bytes_per_token").path(tokenizerDomain.name()).path(corpus.name())
                        .asDouble(), 1e-12, tokenizerDomain.name() + " on " + corpus.name());
                assertTrue(report.path("throughput").path("mb_per_s").path(tokenizerDomain.name()).path(corpus.name())
                        .asDouble() > 0);
            }
        }
        // With equal vocabulary sizes, each corpus is compressed best by the tokenizer trained on it.
        JsonNode ratio = report.path("compression").path("bytes_per_token");
        assertTrue(ratio.path("stories").path("stories").asDouble() > ratio.path("web").path("stories").asDouble());
        assertTrue(ratio.path("web").path("web").asDouble() > ratio.path("stories").path("web").asDouble());
    }

    @Test
    void lengthHistogramsCountTheVocabularyAndTheUses() {
        for (Experiments.Domain domain : DOMAINS) {
            JsonNode tokenizer = report.path("tokenizers").path(domain.name());
            JsonNode lengths = tokenizer.path("token_length_histogram");
            assertEquals(tokenizer.path("vocab_size").asLong() - SPECIALS.size(), sum(lengths.path("vocab")));
            assertEquals(256, lengths.path("vocab").path(1).asLong());
            for (Experiments.Domain corpus : DOMAINS) {
                long separators = corpus.name().equals("stories") ? 5 : 0; // the separators in each fixture
                assertEquals(report.path("compression").path("tokens").path(domain.name()).path(corpus.name()).asLong()
                        - separators, sum(lengths.path("usage").path(corpus.name())));
            }
            JsonNode longest = tokenizer.path("longest_tokens");
            assertEquals(lengths.path("vocab").size() - 1, longest.path(0).path("length").asInt());
            for (int i = 1; i < longest.size(); i++) {
                assertTrue(longest.path(i).path("length").asInt() <= longest.path(i - 1).path("length").asInt());
            }
        }
    }

    @Test
    void overlapIsSymmetricAndGrowsWithK() throws Exception {
        BpeModel stories = load("stories");
        BpeModel web = load("web");
        VocabOverlap ab = VocabOverlap.of(stories, web);
        VocabOverlap ba = VocabOverlap.of(web, stories);
        assertEquals(ab.shared(), ba.shared());
        assertEquals(ab.union(), ba.union());
        assertEquals(ab.jaccard(), ba.jaccard());
        assertArrayEquals(ab.sharedByK(), ba.sharedByK());
        assertArrayEquals(ab.jaccardByK(), ba.jaccardByK());
        assertEquals(ab.shared(), naiveShared(stories, web));
        assertTrue(ab.shared() >= 256, "both hold the 256 bytes");
        assertEquals(Math.min(stories.mergeCount(), web.mergeCount()), ab.sharedByK().length);
        for (int k = 1; k <= ab.sharedByK().length; k++) {
            int shared = ab.sharedByK()[k - 1];
            assertTrue(shared <= k && (k == 1 || shared >= ab.sharedByK()[k - 2]), "k=" + k);
            assertEquals(naiveShared(stories.merges().subList(0, k), web.merges().subList(0, k)), shared, "k=" + k);
        }
        VocabOverlap self = VocabOverlap.of(web, web);
        assertEquals(1.0, self.jaccard());
        assertEquals(web.vocabSize() - SPECIALS.size(), self.shared());
        JsonNode reported = report.path("overlap").path(0);
        assertEquals(ab.shared(), reported.path("shared").asInt());
        int[] onDisk = readInt32(out.resolve(reported.path("by_k").path("shared_file").asText()));
        assertArrayEquals(ab.sharedByK(), onDisk);
    }

    /**
     * What is true of the counts {@code onMerge} reports: each is the count of its pair in the corpus
     * as the earlier merges left it, and the largest count there (so the first is the largest pair
     * count of the raw corpus). Hence they never rise after a merge that made a new token: that
     * merge's count bounds every pair (old pairs only lose occurrences; a pair with the new token
     * occurs at most as often as the token was made). Only a merge that recreates an existing token
     * (ab+c after a+bc) could be followed by a higher count; these fixtures have none.
     */
    @Test
    void mergeCountsAreTheLargestPairCountsWhenMade() throws Exception {
        for (Experiments.Domain domain : DOMAINS) {
            BpeModel model = load(domain.name());
            long[] counts = readInt64(out.resolve("merge_counts_" + domain.name() + ".bin"));
            assertEquals(model.mergeCount(), counts.length);

            PreTokenCounter counter = new PreTokenCounter(SPECIAL_TOKENS);
            counter.add(Files.readAllBytes(domain.corpus()), 0, (int) Files.size(domain.corpus()));
            NaiveCorpus corpus = new NaiveCorpus(counter.toCounts());
            Set<byte[]> tokens = new ObjectOpenCustomHashSet<>(ByteArrays.HASH_STRATEGY);
            int reused = 0;
            for (int rank = 0; rank < counts.length; rank++) {
                Merge merge = model.merges().get(rank);
                Map<List<Bytes>, Long> pairs = corpus.pairCounts();
                long max = pairs.values().stream().mapToLong(Long::longValue).max().orElse(0);
                assertEquals(pairs.get(List.of(Bytes.of(merge.left()), Bytes.of(merge.right()))), counts[rank],
                        domain.name() + " merge " + rank);
                assertEquals(max, counts[rank], domain.name() + " merge " + rank + " is not a largest pair");
                boolean madeNewToken = tokens.add(merge.merged());
                if (rank > 0 && madeNewToken) {
                    assertTrue(counts[rank] <= counts[rank - 1], domain.name() + " merge " + rank);
                }
                reused += madeNewToken ? 0 : 1;
                corpus.apply(merge);
            }
            assertEquals(0, reused, "the fixtures recreate no token, so their counts never rise");
            assertEquals(0, report.path("tokenizers").path(domain.name()).path("merge_counts").path("increases").asInt());
            assertEquals(counts[0], report.path("tokenizers").path(domain.name()).path("merge_counts").path("max").asLong());
        }
    }

    @Test
    void sliceEndsAfterADocumentSeparator() throws Exception {
        Path fixture = TestData.fixture("tinystories_sample.txt");
        CorpusSlice whole = CorpusSlice.read(fixture, SPECIAL_TOKENS, 1 << 20);
        assertArrayEquals(Files.readAllBytes(fixture), whole.bytes());
        assertEquals(6, whole.documents(), "5 separators and text after the last");
        CorpusSlice part = CorpusSlice.read(fixture, SPECIAL_TOKENS, 2000);
        String text = new String(part.bytes(), StandardCharsets.UTF_8);
        assertTrue(part.length() <= 2000 && text.endsWith("<|endoftext|>"), text);
        assertTrue(Files.readString(fixture).startsWith(text));
        assertEquals(text.split("<\\|endoftext\\|>", -1).length - 1, part.documents());
    }

    private static BpeModel load(String name) throws Exception {
        return TokenizerFiles.load(TokenizerFiles.localDir(out.resolve(Experiments.TOKENIZERS).resolve(name)));
    }

    private static long sum(JsonNode array) {
        long total = 0;
        for (JsonNode n : array) {
            total += n.asLong();
        }
        return total;
    }

    private static int naiveShared(BpeModel a, BpeModel b) {
        Set<String> tokensA = new java.util.HashSet<>();
        Set<String> tokensB = new java.util.HashSet<>();
        for (int id = 0; id < a.vocabSize(); id++) {
            if (!a.isSpecialId(id)) {
                tokensA.add(Arrays.toString(a.tokenBytes(id)));
            }
        }
        for (int id = 0; id < b.vocabSize(); id++) {
            if (!b.isSpecialId(id)) {
                tokensB.add(Arrays.toString(b.tokenBytes(id)));
            }
        }
        tokensA.retainAll(tokensB);
        return tokensA.size();
    }

    private static int naiveShared(List<Merge> a, List<Merge> b) {
        Set<String> createdA = new java.util.HashSet<>();
        a.forEach(m -> createdA.add(Arrays.toString(m.merged())));
        Set<String> createdB = new java.util.HashSet<>();
        b.forEach(m -> createdB.add(Arrays.toString(m.merged())));
        createdA.retainAll(createdB);
        return createdA.size();
    }

    private static long[] readInt64(Path file) throws Exception {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long[] values = new long[buf.remaining() / Long.BYTES];
        buf.asLongBuffer().get(values);
        return values;
    }

    private static int[] readInt32(Path file) throws Exception {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int[] values = new int[buf.remaining() / Integer.BYTES];
        buf.asIntBuffer().get(values);
        return values;
    }

    /** A byte string usable as a map key. */
    private record Bytes(String hex) {
        static Bytes of(byte[] bytes) {
            return new Bytes(java.util.HexFormat.of().formatHex(bytes));
        }
    }

    /** The corpus as lists of tokens per distinct pre-token, merged the textbook way. */
    private static final class NaiveCorpus {
        private final List<List<byte[]>> words = new ArrayList<>();
        private final List<Long> counts = new ArrayList<>();

        NaiveCorpus(PreTokenCounts table) {
            for (int row = 0; row < table.size(); row++) {
                List<byte[]> word = new ArrayList<>();
                for (byte b : table.token(row)) {
                    word.add(new byte[] {b});
                }
                words.add(word);
                counts.add(table.count(row));
            }
        }

        Map<List<Bytes>, Long> pairCounts() {
            Map<List<Bytes>, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<byte[]> word = words.get(w);
                for (int i = 0; i + 1 < word.size(); i++) {
                    pairs.merge(List.of(Bytes.of(word.get(i)), Bytes.of(word.get(i + 1))), counts.get(w), Long::sum);
                }
            }
            return pairs;
        }

        void apply(Merge merge) {
            for (List<byte[]> word : words) {
                for (int i = 0; i + 1 < word.size(); i++) {
                    if (Arrays.equals(word.get(i), merge.left()) && Arrays.equals(word.get(i + 1), merge.right())) {
                        word.set(i, merge.merged());
                        word.remove(i + 1);
                    }
                }
            }
        }
    }
}

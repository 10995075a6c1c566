package org.bpespark.jobs.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import org.bpespark.jobs.Metrics;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * The tokenizer experiments: one tokenizer per domain trained by the engine, then compression of
 * each on every domain's corpus (the cross-domain matrix), single-thread encode throughput, token
 * lengths, the longest tokens, vocabulary overlap and each merge's count against its rank. Writes
 * {@code experiments.json}, the raw arrays it catalogues, and {@code tokenizers/<name>/}.
 *
 * <p>Evaluation reads a fixed slice from the start of each corpus ({@link Settings#evalBytes}) so the
 * time stays bounded; with training on whole corpora, a tokenizer's own slice is part of what it was
 * trained on.
 *
 * <pre>
 * experiments.json
 *   format, format_version, settings, names: ["tinystories", "web"], corpora: {name: {file, eval_bytes, eval_documents}}
 *   tokenizers: {name: {corpus, folder, vocab_size_requested, vocab_size, merges, train_bytes, unique_pretokens,
 *                       train_seconds, merge_counts: {file, first, last, max, increases},
 *                       longest_tokens: [{id, length, hex, text, mapped}],
 *                       token_length_histogram: {vocab: [n at length 0..], usage: {corpus: [..]}, *_mean_bytes}}}
 *   compression: {bytes_per_token: {tokenizer: {corpus: x}}, tokens: {tokenizer: {corpus: n}}}
 *   throughput:  {mb_per_s: {tokenizer: {corpus: median}}, runs_mb_per_s: {tokenizer: {corpus: [..]}}}
 *   overlap: [{a, b, tokens_a, tokens_b, shared, union, jaccard,
 *              by_k: {k_max, shared_file, jaccard_file, at: [{k, shared, jaccard}]}}]
 *   arrays: {file: {dtype, length, what}}     the raw .bin files, see {@link RawArrays}
 * </pre>
 */
public final class Experiments {
    public static final String JSON_FILE = "experiments.json";
    public static final String TOKENIZERS = "tokenizers";
    static final String FORMAT = "bpe-spark-experiments";
    static final int FORMAT_VERSION = 1;
    static final String SEPARATOR = "<|endoftext|>";
    /** The k at which experiments.json lists the overlap of the first k merges (the full curve is a raw array). */
    private static final int[] OVERLAP_KS = {10, 30, 100, 300, 1000, 3000, 10000, 30000};

    /** A domain: its name in file names and in the report, its corpus, the vocabulary size to train. */
    public record Domain(String name, Path corpus, int vocabSize) {
    }

    /**
     * What to run.
     *
     * @param trainBytes train on the first this many bytes of each corpus, or on all of it if 0
     * @param evalBytes the slice from the start of each corpus that compression and throughput use
     * @param timedRuns timed encodings per (tokenizer, corpus); the median is reported
     */
    public record Settings(boolean quick, List<Domain> domains, int trainBytes, int evalBytes, int timedRuns,
            int longestTokens) {
        /** TinyStories-like 10K and web-like 32K, trained on the whole corpora, evaluated on 20 MB of each. */
        public static Settings full(Path corpora) {
            return new Settings(false, List.of(new Domain("tinystories", corpora.resolve("tinystories_like_en.txt.zst"), 10_000),
                    new Domain("web", corpora.resolve("web_like_en.txt.zst"), 32_000)), 0, 20_000_000, 3, 20);
        }

        /** The same on 2 MB slices with vocabularies of 2,000 and 4,000: for CI, well under a minute. */
        public static Settings quick(Path corpora) {
            return new Settings(true, List.of(new Domain("tinystories", corpora.resolve("tinystories_like_en.txt.zst"), 2_000),
                    new Domain("web", corpora.resolve("web_like_en.txt.zst"), 4_000)), 2_000_000, 2_000_000, 2, 20);
        }
    }

    private Experiments() {
    }

    /** Runs the experiments into {@code output} (created if needed), logging progress to {@code log}; returns experiments.json. */
    public static ObjectNode run(Settings settings, Path output, PrintStream log) throws IOException {
        Files.createDirectories(output);
        SpecialTokens specials = new SpecialTokens(List.of(SEPARATOR));
        List<TrainedTokenizer> tokenizers = new ArrayList<>();
        List<CorpusSlice> slices = new ArrayList<>();
        for (Domain domain : settings.domains()) {
            if (!Files.isRegularFile(domain.corpus())) {
                throw new IllegalArgumentException("corpus " + domain.corpus() + " is not there");
            }
            TrainedTokenizer trained = TrainedTokenizer.train(domain, specials, settings.trainBytes());
            TokenizerFiles.saveLocal(trained.model(), output.resolve(TOKENIZERS).resolve(domain.name()));
            log.printf(Locale.ROOT, "trained %s: %,d bytes of %s, vocab %,d of %,d requested, %.1f s%n", domain.name(),
                    trained.trainBytes(), domain.corpus().getFileName(), trained.model().vocabSize(), domain.vocabSize(),
                    trained.trainSeconds());
            tokenizers.add(trained);
            slices.add(CorpusSlice.read(domain.corpus(), specials, settings.evalBytes()));
        }
        int n = tokenizers.size();
        CorpusEncoding[][] encodings = new CorpusEncoding[n][n];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < n; c++) {
                encodings[t][c] = CorpusEncoding.of(tokenizers.get(t).model(), slices.get(c));
                log.printf(Locale.ROOT, "%s on %s: %.3f bytes/token%n", tokenizers.get(t).name(), tokenizers.get(c).name(),
                        encodings[t][c].bytesPerToken());
            }
        }
        // The encodings above were the warm-up: the JIT has compiled the encoder by now.
        double[][][] throughput = new double[n][n][];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < n; c++) {
                throughput[t][c] = encodings[t][c].throughputRuns(tokenizers.get(t).model(), slices.get(c), settings.timedRuns());
                log.printf(Locale.ROOT, "%s on %s: %.2f MB/s (median of %d)%n", tokenizers.get(t).name(),
                        tokenizers.get(c).name(), median(throughput[t][c]), settings.timedRuns());
            }
        }

        RawArrays arrays = new RawArrays(output);
        ObjectNode report = Metrics.JSON.createObjectNode();
        report.put("format", FORMAT);
        report.put("format_version", FORMAT_VERSION);
        report.set("settings", settingsNode(settings));
        ArrayNode names = report.putArray("names");
        tokenizers.forEach(t -> names.add(t.name()));
        ObjectNode corpora = report.putObject("corpora");
        for (int c = 0; c < n; c++) {
            ObjectNode corpus = corpora.putObject(tokenizers.get(c).name());
            corpus.put("file", slices.get(c).file());
            corpus.put("eval_bytes", slices.get(c).length());
            corpus.put("eval_documents", slices.get(c).documents());
        }
        ObjectNode tokenizerNodes = report.putObject("tokenizers");
        for (int t = 0; t < n; t++) {
            tokenizerNodes.set(tokenizers.get(t).name(), tokenizerNode(tokenizers.get(t), tokenizers, encodings[t], arrays,
                    settings.longestTokens()));
        }
        report.set("compression", compressionNode(tokenizers, encodings));
        report.set("throughput", throughputNode(tokenizers, throughput));
        ArrayNode overlaps = report.putArray("overlap");
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                overlaps.add(overlapNode(tokenizers.get(a).name(), tokenizers.get(b).name(),
                        VocabOverlap.of(tokenizers.get(a).model(), tokenizers.get(b).model()), arrays));
            }
        }
        report.set("arrays", arrays.catalogue());
        Files.write(output.resolve(JSON_FILE), Metrics.JSON.writeValueAsBytes(report));
        return report;
    }

    private static ObjectNode settingsNode(Settings settings) {
        ObjectNode node = Metrics.JSON.createObjectNode();
        node.put("quick", settings.quick());
        node.put("train_bytes", settings.trainBytes());
        node.put("train_bytes_note", "0: each tokenizer is trained on its whole corpus");
        node.put("eval_bytes", settings.evalBytes());
        node.put("timed_runs", settings.timedRuns());
        node.putArray("special_tokens").add(SEPARATOR);
        node.put("units", "bytes/token counts the separators as tokens; MB/s is 10^6 bytes per second on one thread");
        return node;
    }

    private static ObjectNode tokenizerNode(TrainedTokenizer trained, List<TrainedTokenizer> all, CorpusEncoding[] onCorpora,
            RawArrays arrays, int longest) throws IOException {
        ObjectNode node = Metrics.JSON.createObjectNode();
        String name = trained.name();
        node.put("corpus", trained.domain().corpus().getFileName().toString());
        node.put("folder", TOKENIZERS + "/" + name);
        node.put("vocab_size_requested", trained.domain().vocabSize());
        node.put("vocab_size", trained.model().vocabSize());
        node.put("merges", trained.model().mergeCount());
        node.put("train_bytes", trained.trainBytes());
        node.put("unique_pretokens", trained.uniquePreTokens());
        node.put("train_seconds", trained.trainSeconds());

        long[] counts = trained.mergeCounts();
        String countsFile = "merge_counts_" + name + ".bin";
        arrays.write(countsFile, counts, "merge_counts_" + name + "[rank]: the count of merge `rank` (0-based) "
                + "in the " + name + " training corpus when it was made");
        ObjectNode merges = node.putObject("merge_counts");
        merges.put("file", countsFile);
        merges.put("first", counts.length > 0 ? counts[0] : 0);
        merges.put("last", counts.length > 0 ? counts[counts.length - 1] : 0);
        merges.put("max", Arrays.stream(counts).max().orElse(0));
        merges.put("increases", increases(counts));

        VocabStats stats = new VocabStats(trained.model());
        node.set("longest_tokens", stats.longestTokens(longest));
        ObjectNode lengths = node.putObject("token_length_histogram");
        lengths.put("what", "index n: tokens of n bytes (special tokens left out); usage: uses in the encoding of each corpus slice");
        long[] vocab = stats.lengthHistogram();
        lengths.set("vocab", Metrics.JSON.valueToTree(vocab));
        lengths.put("vocab_mean_bytes", VocabStats.mean(vocab));
        ObjectNode usage = lengths.putObject("usage");
        ObjectNode usageMean = lengths.putObject("usage_mean_bytes");
        for (int c = 0; c < all.size(); c++) {
            long[] used = stats.lengthHistogram(onCorpora[c].usage());
            usage.set(all.get(c).name(), Metrics.JSON.valueToTree(used));
            usageMean.put(all.get(c).name(), VocabStats.mean(used));
        }
        return node;
    }

    /** Ranks whose merge count is above the previous rank's. */
    static int increases(long[] counts) {
        int increases = 0;
        for (int rank = 1; rank < counts.length; rank++) {
            if (counts[rank] > counts[rank - 1]) {
                increases++;
            }
        }
        return increases;
    }

    private static ObjectNode compressionNode(List<TrainedTokenizer> tokenizers, CorpusEncoding[][] encodings) {
        ObjectNode node = Metrics.JSON.createObjectNode();
        node.put("what", "bytes_per_token[tokenizer][corpus] on each corpus's eval slice; tokens[tokenizer][corpus] likewise");
        node.set("bytes_per_token", table(tokenizers, (t, c) -> DoubleNode.valueOf(encodings[t][c].bytesPerToken())));
        node.set("tokens", table(tokenizers, (t, c) -> LongNode.valueOf(encodings[t][c].tokens())));
        return node;
    }

    private static ObjectNode throughputNode(List<TrainedTokenizer> tokenizers, double[][][] runs) {
        ObjectNode node = Metrics.JSON.createObjectNode();
        node.put("what", "mb_per_s[tokenizer][corpus]: median of the timed runs, one thread, after a warm-up encoding "
                + "of every slice; each run starts with an empty pre-token cache");
        node.set("mb_per_s", table(tokenizers, (t, c) -> DoubleNode.valueOf(median(runs[t][c]))));
        node.set("runs_mb_per_s", table(tokenizers, (t, c) -> Metrics.JSON.valueToTree(runs[t][c])));
        return node;
    }

    /** A tokenizer × corpus table: {@code {tokenizer: {corpus: cell(t, c)}}}. */
    private static ObjectNode table(List<TrainedTokenizer> tokenizers, BiFunction<Integer, Integer, JsonNode> cell) {
        ObjectNode table = Metrics.JSON.createObjectNode();
        for (int t = 0; t < tokenizers.size(); t++) {
            ObjectNode row = table.putObject(tokenizers.get(t).name());
            for (int c = 0; c < tokenizers.size(); c++) {
                row.set(tokenizers.get(c).name(), cell.apply(t, c));
            }
        }
        return table;
    }

    private static ObjectNode overlapNode(String a, String b, VocabOverlap overlap, RawArrays arrays) throws IOException {
        ObjectNode node = Metrics.JSON.createObjectNode();
        node.put("a", a);
        node.put("b", b);
        node.put("tokens_a", overlap.sizeA());
        node.put("tokens_b", overlap.sizeB());
        node.put("shared", overlap.shared());
        node.put("union", overlap.union());
        node.put("jaccard", overlap.jaccard());
        node.put("what", "ordinary tokens as byte strings (256 bytes + merge results); by_k: the tokens created by "
                + "the first k merges of each, k = 1 .. the smaller merge count");
        String pair = a + "_" + b;
        String sharedFile = "overlap_shared_by_k_" + pair + ".bin";
        String jaccardFile = "overlap_jaccard_by_k_" + pair + ".bin";
        arrays.write(sharedFile, overlap.sharedByK(), "[k-1]: tokens created by the first k merges of both " + a + " and " + b);
        arrays.write(jaccardFile, overlap.jaccardByK(), "[k-1]: Jaccard index of the tokens created by the first k merges of "
                + a + " and of " + b);
        ObjectNode byK = node.putObject("by_k");
        byK.put("k_max", overlap.sharedByK().length);
        byK.put("shared_file", sharedFile);
        byK.put("jaccard_file", jaccardFile);
        ArrayNode at = byK.putArray("at");
        int kMax = overlap.sharedByK().length;
        for (int k : OVERLAP_KS) {
            if (k < kMax) {
                at.add(overlapAt(overlap, k));
            }
        }
        if (kMax > 0) {
            at.add(overlapAt(overlap, kMax));
        }
        return node;
    }

    private static ObjectNode overlapAt(VocabOverlap overlap, int k) {
        ObjectNode point = Metrics.JSON.createObjectNode();
        point.put("k", k);
        point.put("shared", overlap.sharedByK()[k - 1]);
        point.put("jaccard", overlap.jaccardByK()[k - 1]);
        return point;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

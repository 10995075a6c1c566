package org.bpespark.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.format.MergesTxt;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.bpespark.pipeline.format.VocabJson;

/** Paths into {@code ../shared} (CS336 fixtures, corpora) and loaders the conformance tests share. */
public final class Conformance {
    private Conformance() {
    }

    /** {@code ../shared}, as surefire passes it, or found relative to the working directory. */
    public static Path shared() {
        String configured = System.getProperty("shared.dir");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("conformance"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("../shared not found; set -Dshared.dir");
    }

    public static Path cs336() {
        return shared().resolve("conformance/cs336");
    }

    public static Path fixture(String name) {
        return cs336().resolve("fixtures").resolve(name);
    }

    public static Path corpus(String name) {
        return shared().resolve("corpora").resolve(name);
    }

    /** Merges in the format of CS336's reference files (no header; mapped form). */
    public static List<Merge> readMerges(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return MergesTxt.read(in, file.toString());
        }
    }

    /** GPT-2's tokenizer as CS336's tests build it, with the given special tokens added if missing. */
    public static BpeModel gpt2(List<String> specials) throws IOException {
        List<byte[]> vocab;
        try (InputStream in = Files.newInputStream(fixture("gpt2_vocab.json"))) {
            vocab = VocabJson.read(in, "gpt2_vocab.json");
        }
        List<Merge> merges = readMerges(fixture("gpt2_merges.txt"));
        BpeModel withEot = TokenizerFiles.fromGpt2Files(vocab, merges, "gpt2_vocab.json");
        if (specials == null) {
            // CS336's tests without special tokens: <|endoftext|> stays in the vocab but is plain text.
            return BpeModel.withVocab(vocab, merges, List.of());
        }
        return specials.equals(withEot.specialTokens()) ? withEot : BpeModel.withVocab(vocab, merges, specials);
    }
}

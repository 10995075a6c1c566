package org.bpespark.pipeline.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import it.unimi.dsi.fastutil.bytes.ByteArrays;
import it.unimi.dsi.fastutil.objects.ObjectOpenCustomHashSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeModel.Merge;

/**
 * The files of a tokenizer directory and how a model maps to them: {@code vocab.json} +
 * {@code merges.txt} (GPT-2) and {@code tokenizer.json} (HuggingFace). Where the files are stored
 * (a local folder, HDFS) is the caller's business: this class turns a model into named byte arrays
 * and back.
 */
public final class TokenizerFiles {
    public static final String VOCAB_JSON = "vocab.json";
    public static final String MERGES_TXT = "merges.txt";
    public static final String TOKENIZER_JSON = "tokenizer.json";

    /** Opens a named file of the directory, or returns null if it does not exist. */
    public interface Source {
        InputStream open(String name) throws IOException;

        /** The file's full name, for error messages. */
        String describe(String name);
    }

    private TokenizerFiles() {
    }

    /** The three files, by name, in the order they should be written. */
    public static Map<String, byte[]> serialize(BpeModel model) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        ByteArrayOutputStream merges = new ByteArrayOutputStream();
        MergesTxt.write(model.merges(), merges);
        files.put(MERGES_TXT, merges.toByteArray());
        List<byte[]> tokens = new ArrayList<>(model.vocabSize());
        boolean[] special = new boolean[model.vocabSize()];
        for (int id = 0; id < model.vocabSize(); id++) {
            tokens.add(model.tokenBytes(id));
            special[id] = model.isSpecialId(id);
        }
        ByteArrayOutputStream vocab = new ByteArrayOutputStream();
        VocabJson.write(tokens, special, vocab);
        files.put(VOCAB_JSON, vocab.toByteArray());
        ByteArrayOutputStream hf = new ByteArrayOutputStream();
        HfTokenizerJson.write(model, hf);
        files.put(TOKENIZER_JSON, hf.toByteArray());
        return files;
    }

    /**
     * Loads a model: from {@code tokenizer.json} if present, else from {@code vocab.json} +
     * {@code merges.txt}, where every id that is neither a single byte nor the result of a merge is a
     * special token (as {@code <|endoftext|>} is in GPT-2's files).
     */
    public static BpeModel load(Source dir) throws IOException {
        try (InputStream hf = dir.open(TOKENIZER_JSON)) {
            if (hf != null) {
                return HfTokenizerJson.read(hf, dir.describe(TOKENIZER_JSON));
            }
        }
        List<byte[]> vocab;
        List<Merge> merges;
        try (InputStream v = dir.open(VOCAB_JSON); InputStream m = dir.open(MERGES_TXT)) {
            if (v == null || m == null) {
                throw new FormatException(dir.describe("") + ": neither " + TOKENIZER_JSON + " nor both " + VOCAB_JSON
                        + " and " + MERGES_TXT + " are there");
            }
            vocab = VocabJson.read(v, dir.describe(VOCAB_JSON));
            merges = MergesTxt.read(m, dir.describe(MERGES_TXT));
        }
        return fromGpt2Files(vocab, merges, dir.describe(VOCAB_JSON) + " and " + MERGES_TXT);
    }

    /**
     * A model from GPT-2's two files; ids that are not bytes or merge results are special tokens.
     * Such a token that is two vocabulary tokens joined is refused instead: it is what a
     * {@code merges.txt} cut short leaves (the lost merges' results), and reading those as special
     * tokens would encode ordinary text as specials.
     */
    public static BpeModel fromGpt2Files(List<byte[]> vocab, List<Merge> merges, String source) {
        Set<byte[]> ordinary = new ObjectOpenCustomHashSet<>(ByteArrays.HASH_STRATEGY);
        for (int b = 0; b < 256; b++) {
            ordinary.add(new byte[] {(byte) b});
        }
        for (Merge m : merges) {
            ordinary.add(m.merged());
        }
        List<String> specials = new ArrayList<>();
        for (byte[] token : vocab) {
            if (!ordinary.contains(token)) {
                specials.add(new String(token, StandardCharsets.UTF_8));
            }
        }
        BpeModel model;
        try {
            model = BpeModel.withVocab(vocab, merges, specials);
        } catch (IllegalArgumentException e) {
            throw new FormatException(source + ": " + e.getMessage(), e);
        }
        Set<byte[]> all = new ObjectOpenCustomHashSet<>(vocab, ByteArrays.HASH_STRATEGY);
        for (int id = 0; id < vocab.size(); id++) {
            byte[] token = vocab.get(id);
            if (ordinary.contains(token)) {
                continue;
            }
            for (int k = 1; k < token.length; k++) {
                byte[] left = java.util.Arrays.copyOfRange(token, 0, k);
                byte[] right = java.util.Arrays.copyOfRange(token, k, token.length);
                if (all.contains(left) && all.contains(right)) {
                    throw new FormatException(source + ": no merge of the " + merges.size() + " in " + MERGES_TXT
                            + " makes \"" + ByteLevel.encode(token) + "\" (id " + id + "), yet it is two tokens of the "
                            + "vocabulary, \"" + ByteLevel.encode(left) + "\" + \"" + ByteLevel.encode(right) + "\": "
                            + MERGES_TXT + " looks truncated or belongs to another vocabulary (a special token made of "
                            + "other tokens needs " + TOKENIZER_JSON + ")");
                }
            }
        }
        return model;
    }

    /** A local folder as a {@link Source}. */
    public static Source localDir(Path dir) {
        return new Source() {
            @Override
            public InputStream open(String name) throws IOException {
                Path file = dir.resolve(name);
                return Files.isRegularFile(file) ? Files.newInputStream(file) : null;
            }

            @Override
            public String describe(String name) {
                return name.isEmpty() ? dir.toString() : dir.resolve(name).toString();
            }
        };
    }

    /** Writes the three files into a local folder, each to a temporary name first and then renamed. */
    public static void saveLocal(BpeModel model, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> file : serialize(model).entrySet()) {
            Path tmp = dir.resolve("." + file.getKey() + ".tmp");
            Files.write(tmp, file.getValue());
            Files.move(tmp, dir.resolve(file.getKey()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}

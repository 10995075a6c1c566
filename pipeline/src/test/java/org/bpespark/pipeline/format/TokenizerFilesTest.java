package org.bpespark.pipeline.format;

import static org.bpespark.pipeline.format.FormatTesting.assertFormatError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.Conformance;
import org.bpespark.pipeline.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tokenizer directory: the three files {@code saveLocal} writes and what {@code load} makes of them. */
class TokenizerFilesTest {
    private static final String EOT = "<|endoftext|>";
    /** The CS336 text fixtures that tokenizers are compared on. */
    private static final List<String> TEXTS = List.of("address.txt", "german.txt", "tinystories_sample.txt",
            "special_token_trailing_newlines.txt", "special_token_double_newlines_non_whitespace.txt", "corpus.en");

    @TempDir
    Path dir;

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    /** GPT-2's fixture files under the names a tokenizer directory uses. */
    private Path gpt2Dir() throws IOException {
        Path gpt2 = Files.createDirectories(dir.resolve("gpt2"));
        Files.copy(Conformance.fixture("gpt2_vocab.json"), gpt2.resolve(TokenizerFiles.VOCAB_JSON));
        Files.copy(Conformance.fixture("gpt2_merges.txt"), gpt2.resolve(TokenizerFiles.MERGES_TXT));
        return gpt2;
    }

    @Test
    void saveLocalWritesThreeFilesThatLoadBackToTheSameModel() throws IOException {
        BpeModel model = FormatTesting.trainedModel();
        Path out = dir.resolve("trained");
        TokenizerFiles.saveLocal(model, out);
        assertEquals(Set.of("vocab.json", "merges.txt", "tokenizer.json"), names(out), "no temporary files left");
        assertTrue(Files.readString(out.resolve("merges.txt"), StandardCharsets.UTF_8).startsWith("#version: 0.2\n"));
        assertEquals(model, TokenizerFiles.load(TokenizerFiles.localDir(out)));

        // Saving again over the same folder replaces the files.
        TokenizerFiles.saveLocal(model, out);
        assertEquals(model, TokenizerFiles.load(TokenizerFiles.localDir(out)));
    }

    @Test
    void withoutTokenizerJsonTheGpt2FilesGiveTheSameModel() throws IOException {
        BpeModel model = FormatTesting.trainedModel();
        Path out = dir.resolve("trained");
        TokenizerFiles.saveLocal(model, out);
        Files.delete(out.resolve(TokenizerFiles.TOKENIZER_JSON));
        // Special tokens come back as the ids that are neither bytes nor merge results, in id order.
        assertEquals(model, TokenizerFiles.load(TokenizerFiles.localDir(out)));
    }

    @Test
    void serializeGivesTheSameBytesAsSaveLocal() throws IOException {
        BpeModel model = FormatTesting.trainedModel();
        TokenizerFiles.saveLocal(model, dir);
        for (var file : TokenizerFiles.serialize(model).entrySet()) {
            assertArrayEquals(file.getValue(), Files.readAllBytes(dir.resolve(file.getKey())), file.getKey());
        }
    }

    @Test
    void aDirectoryWithoutTheFilesIsAFormatException() throws IOException {
        assertFormatError(() -> TokenizerFiles.load(TokenizerFiles.localDir(dir)), dir.toString(), "tokenizer.json");
        Files.copy(Conformance.fixture("gpt2_vocab.json"), dir.resolve(TokenizerFiles.VOCAB_JSON));
        assertFormatError(() -> TokenizerFiles.load(TokenizerFiles.localDir(dir)), dir.toString(), "merges.txt");
    }

    @Test
    void aMergeOutsideTheVocabularyIsAFormatExceptionNamingTheFile() throws IOException {
        Path out = dir.resolve("trained");
        TokenizerFiles.saveLocal(FormatTesting.trainedModel(), out);
        Files.delete(out.resolve(TokenizerFiles.TOKENIZER_JSON));
        Files.writeString(out.resolve(TokenizerFiles.MERGES_TXT), "Ġ t\nQ Z\n", StandardCharsets.UTF_8);
        assertFormatError(() -> TokenizerFiles.load(TokenizerFiles.localDir(out)),
                out.resolve("vocab.json").toString(), "merge #2", "\"QZ\" is not in the vocabulary");
    }

    @Test
    void gpt2sOwnFilesGive50257TokensWithEndOfTextAsTheOnlySpecial() throws IOException {
        BpeModel gpt2 = TokenizerFiles.load(TokenizerFiles.localDir(gpt2Dir()));
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(50000, gpt2.mergeCount());
        assertEquals(List.of(EOT), gpt2.specialTokens());
        assertEquals(50256, gpt2.specialId(EOT));
        assertEquals(Conformance.gpt2(List.of(EOT)), gpt2);
    }

    @Test
    void tokenizerJsonWrittenFromGpt2sFilesReloadsEqualAndEncodesTheFixturesAlike() throws IOException {
        BpeModel gpt2 = TokenizerFiles.load(TokenizerFiles.localDir(gpt2Dir()));
        Path hfOnly = Files.createDirectories(dir.resolve("hf"));
        Files.write(hfOnly.resolve(TokenizerFiles.TOKENIZER_JSON), TokenizerFiles.serialize(gpt2).get(TokenizerFiles.TOKENIZER_JSON));
        BpeModel reloaded = TokenizerFiles.load(TokenizerFiles.localDir(hfOnly));
        assertEquals(gpt2, reloaded);

        Tokenizer original = new Tokenizer(gpt2);
        Tokenizer fromJson = new Tokenizer(reloaded);
        for (String name : TEXTS) {
            String text = Files.readString(Conformance.fixture(name), StandardCharsets.UTF_8);
            int[] ids = original.encode(text);
            assertArrayEquals(ids, fromJson.encode(text), name);
            assertEquals(text, fromJson.decode(ids), name);
        }
    }
}

package org.bpespark.pipeline.format;

import static org.bpespark.pipeline.format.FormatTesting.assertFormatError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.Conformance;
import org.bpespark.pipeline.Tokenizer;
import org.junit.jupiter.api.Test;

/** HuggingFace {@code tokenizer.json}: round trips, both merge spellings, the fields HF expects, errors. */
class HfTokenizerJsonTest {
    private static final String SOURCE = "test/tokenizer.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static byte[] write(BpeModel model) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HfTokenizerJson.write(model, out);
        return out.toByteArray();
    }

    private static BpeModel read(byte[] json) throws IOException {
        return HfTokenizerJson.read(new ByteArrayInputStream(json), SOURCE);
    }

    private static BpeModel read(JsonNode json) throws IOException {
        return read(MAPPER.writeValueAsBytes(json));
    }

    /** The trained model's JSON, edited by {@code edit}. */
    private static ObjectNode writtenTree(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) MAPPER.readTree(write(FormatTesting.trainedModel()));
        edit.accept(root);
        return root;
    }

    private static ObjectNode model(ObjectNode root) {
        return (ObjectNode) root.get("model");
    }

    private static ObjectNode vocab(ObjectNode root) {
        return (ObjectNode) model(root).get("vocab");
    }

    private static ArrayNode merges(ObjectNode root) {
        return (ArrayNode) model(root).get("merges");
    }

    @Test
    void aTrainedModelWithSpecialTokensSurvivesARoundTrip() throws IOException {
        BpeModel model = FormatTesting.trainedModel();
        assertEquals(FormatTesting.SPECIALS, model.specialTokens());
        BpeModel back = read(write(model));
        assertEquals(model, back);
        String text = "Hello <|im start|>world<|endoftext|> the <|Ġü|> end\n";
        assertArrayEquals(new Tokenizer(model).encode(text), new Tokenizer(back).encode(text));
    }

    @Test
    void writesTheFieldsHuggingFaceExpects() throws IOException {
        BpeModel model = FormatTesting.trainedModel();
        JsonNode root = MAPPER.readTree(write(model));
        assertEquals("1.0", root.get("version").asText());
        for (String absent : new String[] {"truncation", "padding", "normalizer", "post_processor"}) {
            assertTrue(root.get(absent).isNull(), absent + " should be null");
        }
        for (String byteLevel : new String[] {"pre_tokenizer", "decoder"}) {
            JsonNode n = root.get(byteLevel);
            assertEquals("ByteLevel", n.get("type").asText(), byteLevel);
            assertEquals(false, n.get("add_prefix_space").booleanValue(), byteLevel);
            assertEquals(true, n.get("trim_offsets").booleanValue(), byteLevel);
            assertEquals(true, n.get("use_regex").booleanValue(), byteLevel);
        }

        JsonNode added = root.get("added_tokens");
        assertEquals(FormatTesting.SPECIALS.size(), added.size());
        for (int i = 0; i < added.size(); i++) {
            JsonNode t = added.get(i);
            assertEquals(model.specialId(i), t.get("id").intValue());
            assertEquals(FormatTesting.SPECIALS.get(i), t.get("content").asText());
            assertTrue(t.get("special").booleanValue());
            for (String flag : new String[] {"single_word", "lstrip", "rstrip", "normalized"}) {
                assertEquals(false, t.get(flag).booleanValue(), flag);
            }
        }

        JsonNode bpe = root.get("model");
        assertEquals("BPE", bpe.get("type").asText());
        assertTrue(bpe.get("dropout").isNull());
        assertTrue(bpe.get("unk_token").isNull());
        assertEquals("", bpe.get("continuing_subword_prefix").textValue());
        assertEquals("", bpe.get("end_of_word_suffix").textValue());
        for (String flag : new String[] {"fuse_unk", "byte_fallback", "ignore_merges"}) {
            assertEquals(false, bpe.get(flag).booleanValue(), flag);
        }
        JsonNode vocab = bpe.get("vocab");
        assertEquals(model.vocabSize(), vocab.size());
        assertEquals(0, vocab.get("!").intValue());
        assertEquals(model.specialId("<|endoftext|>"), vocab.get("<|endoftext|>").intValue());
        JsonNode merges = bpe.get("merges");
        assertEquals(model.mergeCount(), merges.size());
        JsonNode first = merges.get(0);
        assertTrue(first.isArray() && first.size() == 2, "merges are written as [\"a\", \"b\"]: " + first);
        assertEquals(model.merges().get(0).toString(), first.get(0).asText() + " " + first.get(1).asText());
    }

    @Test
    void readsMergesSpelledAsStringsAsArraysAndMixed() throws IOException {
        BpeModel model = FormatTesting.trainedModel();
        ObjectNode strings = writtenTree(root -> {
            ArrayNode merges = (ArrayNode) model(root).get("merges");
            for (int i = 0; i < merges.size(); i++) {
                if (i % 2 == 0) { // every other one, so the file mixes both spellings
                    merges.set(i, merges.get(i).get(0).asText() + " " + merges.get(i).get(1).asText());
                }
            }
        });
        assertTrue(model(strings).get("merges").get(0).isTextual());
        assertTrue(model(strings).get("merges").get(1).isArray());
        assertEquals(model, read(strings));
    }

    @Test
    void gpt2sVocabularyAndMergesSurviveARoundTrip() throws IOException {
        BpeModel gpt2 = Conformance.gpt2(List.of("<|endoftext|>"));
        BpeModel back = read(write(gpt2));
        assertEquals(gpt2, back);
        String address = Files.readString(Conformance.fixture("address.txt"), StandardCharsets.UTF_8);
        assertArrayEquals(new Tokenizer(gpt2).encode(address), new Tokenizer(back).encode(address));
    }

    @Test
    void malformedDocumentsAreFormatExceptions() {
        assertFormatError(() -> read("{\"model\": {".getBytes(StandardCharsets.UTF_8)), SOURCE, "not valid JSON");
        assertFormatError(() -> read("".getBytes(StandardCharsets.UTF_8)), SOURCE, "\"model\" is missing");
        assertFormatError(() -> read("[1, 2]".getBytes(StandardCharsets.UTF_8)), SOURCE, "\"model\" is missing");
        assertFormatError(() -> read(writtenTree(root -> root.remove("model"))), SOURCE, "\"model\" is missing");
        assertFormatError(() -> read(writtenTree(root -> model(root).put("type", "WordPiece"))),
                SOURCE, "\"type\" is not \"BPE\"");
        assertFormatError(() -> read(writtenTree(root -> model(root).remove("vocab"))), SOURCE, "model.vocab is missing");
        assertFormatError(() -> read(writtenTree(root -> model(root).putArray("vocab"))), SOURCE, "not an object");
    }

    @Test
    void malformedVocabularyIsAFormatException() {
        assertFormatError(() -> read(writtenTree(root -> vocab(root).put("!", "0"))), SOURCE, "\"!\"", "not an integer");
        assertFormatError(() -> read(writtenTree(root -> vocab(root).put("!", 0.5))), SOURCE, "\"!\"", "not an integer");
        assertFormatError(() -> read(writtenTree(root -> vocab(root).put("!", 1))), SOURCE, "id 1", "repeated");
        assertFormatError(() -> read(writtenTree(root -> vocab(root).put("!", 100000))), SOURCE, "id 100000");
        assertFormatError(() -> read(writtenTree(root -> vocab(root).put("!", -1))), SOURCE, "id -1");
        // Renaming "!" leaves the vocabulary without the byte 0x21.
        assertFormatError(() -> read(writtenTree(root -> vocab(root).set("Ġ!", vocab(root).remove("!")))),
                SOURCE, "lacks the single byte 0x21");
    }

    @Test
    void malformedMergesAreFormatExceptions() {
        assertFormatError(() -> read(writtenTree(root -> merges(root).set(3, JsonNodeFactory.instance.numberNode(42)))),
                SOURCE, "model.merges[3]", "neither");
        assertFormatError(() -> read(writtenTree(root -> merges(root).set(3, MAPPER.createArrayNode().add("a")))),
                SOURCE, "model.merges[3]", "neither");
        assertFormatError(() -> read(writtenTree(root -> merges(root).set(3, MAPPER.createArrayNode().add("a").add("€")))),
                SOURCE, "model.merges[3]", "U+20AC");
        assertFormatError(() -> read(writtenTree(root -> merges(root).set(3, JsonNodeFactory.instance.textNode("a b c")))),
                SOURCE, "not a merge");
        // A merge whose result is not in the vocabulary.
        assertFormatError(() -> read(writtenTree(root -> merges(root).set(3, MAPPER.createArrayNode().add("Q").add("Z")))),
                SOURCE, "merge #4", "\"QZ\" is not in the vocabulary");
    }

    @Test
    void specialTokensComeFromAddedTokensMarkedSpecial() throws IOException {
        BpeModel model = FormatTesting.trainedModel();
        ObjectNode notSpecial = writtenTree(root -> {
            for (Iterator<JsonNode> it = root.get("added_tokens").elements(); it.hasNext(); ) {
                JsonNode t = it.next();
                if (t.get("content").asText().equals("<|im start|>")) {
                    ((ObjectNode) t).put("special", false);
                }
            }
        });
        BpeModel read = read(notSpecial);
        assertEquals(-1, read.specialId("<|im start|>"));
        assertEquals(model.specialId("<|endoftext|>"), read.specialId("<|endoftext|>"));
        // Still in the vocabulary under its id, now as an ordinary token.
        int id = vocab(notSpecial).get("<|im start|>").intValue();
        assertArrayEquals("<|im start|>".getBytes(StandardCharsets.UTF_8), read.tokenBytes(id));
    }
}

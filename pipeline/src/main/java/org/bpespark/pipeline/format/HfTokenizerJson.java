package org.bpespark.pipeline.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeModel.Merge;

/**
 * HuggingFace {@code tokenizer.json} for a GPT-2-style byte-level BPE:
 *
 * <pre>
 * { "version": "1.0", "truncation": null, "padding": null,
 *   "added_tokens": [ {"id": 50256, "content": "&lt;|endoftext|&gt;", ..., "special": true} ],
 *   "normalizer": null,
 *   "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
 *   "post_processor": null,
 *   "decoder":       {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
 *   "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": "",
 *             "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
 *             "vocab": {"!": 0, ...}, "merges": [["Ġ", "t"], ...]} }
 * </pre>
 *
 * Merges are written as two-element arrays (what current HF writes); both that and the older
 * {@code "Ġ t"} string spelling are read. Special tokens are the {@code added_tokens} marked special.
 */
public final class HfTokenizerJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfTokenizerJson() {
    }

    public static void write(BpeModel model, OutputStream out) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < model.specialTokens().size(); i++) {
            ObjectNode t = added.addObject();
            t.put("id", model.specialId(i));
            t.put("content", model.specialTokens().get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel());
        root.putNull("post_processor");
        root.set("decoder", byteLevel());
        ObjectNode bpe = root.putObject("model");
        bpe.put("type", "BPE");
        bpe.putNull("dropout");
        bpe.putNull("unk_token");
        bpe.put("continuing_subword_prefix", "");
        bpe.put("end_of_word_suffix", "");
        bpe.put("fuse_unk", false);
        bpe.put("byte_fallback", false);
        bpe.put("ignore_merges", false);
        ObjectNode vocab = bpe.putObject("vocab");
        for (int id = 0; id < model.vocabSize(); id++) {
            vocab.put(tokenText(model, id), id);
        }
        ArrayNode merges = bpe.putArray("merges");
        for (Merge m : model.merges()) {
            merges.addArray().add(ByteLevel.encode(m.left())).add(ByteLevel.encode(m.right()));
        }
        MAPPER.writer().without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(out, root);
    }

    private static String tokenText(BpeModel model, int id) {
        return model.isSpecialId(id) ? new String(model.tokenBytes(id), StandardCharsets.UTF_8)
                : ByteLevel.encode(model.tokenBytes(id));
    }

    private static ObjectNode byteLevel() {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", true);
        n.put("use_regex", true);
        return n;
    }

    /**
     * Reads a byte-level BPE tokenizer.
     *
     * @throws FormatException if it is not JSON, not a BPE model, or its vocab or merges are malformed
     */
    public static BpeModel read(InputStream in, String source) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(in);
        } catch (JsonProcessingException e) {
            throw new FormatException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")", e);
        }
        JsonNode model = root == null ? null : root.get("model");
        if (model == null || !"BPE".equals(model.path("type").asText())) {
            throw new FormatException(source + ": \"model\" is missing or its \"type\" is not \"BPE\"");
        }
        List<String> specials = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (t.path("special").asBoolean(false)) {
                specials.add(t.path("content").asText());
            }
        }
        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) {
            throw new FormatException(source + ": model.vocab is missing or not an object");
        }
        List<byte[]> vocab = new ArrayList<>(vocabNode.size());
        for (int i = 0; i < vocabNode.size(); i++) {
            vocab.add(null);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            // canConvertToInt alone accepts 0.5 (as 0).
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToInt()) {
                throw new FormatException(source + ": model.vocab[\"" + e.getKey() + "\"] is not an integer id");
            }
            int id = e.getValue().intValue();
            if (id < 0 || id >= vocab.size() || vocab.get(id) != null) {
                throw new FormatException(source + ": model.vocab id " + id + " of \"" + e.getKey()
                        + "\" is repeated or outside 0.." + (vocab.size() - 1));
            }
            vocab.set(id, specials.contains(e.getKey()) ? e.getKey().getBytes(StandardCharsets.UTF_8)
                    : ByteLevel.decodeOrUtf8(e.getKey()));
        }
        List<Merge> merges = new ArrayList<>();
        JsonNode mergesNode = model.path("merges");
        int index = 0;
        for (JsonNode m : mergesNode) {
            index++;
            if (m.isTextual()) {
                merges.add(MergesTxt.parseLine(m.asText(), source + " model.merges", index));
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                try {
                    merges.add(new Merge(ByteLevel.decode(m.get(0).asText()), ByteLevel.decode(m.get(1).asText())));
                } catch (IllegalArgumentException e) {
                    throw new FormatException(source + ": model.merges[" + (index - 1) + "]: " + e.getMessage());
                }
            } else {
                throw new FormatException(source + ": model.merges[" + (index - 1) + "] is neither \"a b\" nor [\"a\", \"b\"]: " + m);
            }
        }
        try {
            return BpeModel.withVocab(vocab, merges, specials);
        } catch (IllegalArgumentException e) {
            throw new FormatException(source + ": " + e.getMessage(), e);
        }
    }
}

package org.bpespark.pipeline.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * GPT-2's {@code vocab.json}: one JSON object mapping each token, in byte-level mapped form
 * ({@link ByteLevel}), to its id, e.g. {@code {"!": 0, ..., "\u0120the": 262, ..., "<|endoftext|>": 50256}}.
 * Written in id order on one line with non-ASCII characters escaped, as GPT-2's own file is.
 *
 * <p>A special token is written as its own text, or in mapped form if its text would read back as
 * other bytes. When read, a key that is not in the mapped alphabet (a special token with a space,
 * say) is taken as UTF-8 text. Ids must be exactly 0..n-1, each once.
 */
public final class VocabJson {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private VocabJson() {
    }

    /** Writes tokens by id; {@code special[id]} marks ids written as plain text. */
    public static void write(List<byte[]> tokens, boolean[] special, OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            g.writeStartObject();
            for (int id = 0; id < tokens.size(); id++) {
                g.writeFieldName(special[id] ? specialKey(tokens.get(id)) : ByteLevel.encode(tokens.get(id)));
                g.writeNumber(id);
            }
            g.writeEndObject();
        }
    }

    /**
     * A special token's own text, unless reading that back would give other bytes because all its
     * characters are in the mapped alphabet ({@code "<|Ġü|>"} would read as a space and byte 0xFC):
     * then its mapped form, which reads back exactly.
     */
    private static String specialKey(byte[] token) {
        String text = new String(token, StandardCharsets.UTF_8);
        return Arrays.equals(ByteLevel.decodeOrUtf8(text), token) ? text : ByteLevel.encode(token);
    }

    /**
     * Reads the vocabulary as a list indexed by id.
     *
     * @throws FormatException if the JSON is malformed, a value is not an integer, or ids have gaps or repeats
     */
    public static List<byte[]> read(InputStream in, String source) throws IOException {
        // A map, not an array indexed by id: a corrupt id such as 2^31-1 must not size an allocation.
        Int2ObjectOpenHashMap<byte[]> byId = new Int2ObjectOpenHashMap<>();
        int max = -1;
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new FormatException(source + ": expected a JSON object mapping tokens to ids");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                    throw new FormatException(source + ": line " + p.currentLocation().getLineNr() + ": the id of \""
                            + token + "\" is not an integer");
                }
                int id = p.getIntValue();
                if (id < 0) {
                    throw new FormatException(source + ": token \"" + token + "\" has negative id " + id);
                }
                if (byId.putIfAbsent(id, ByteLevel.decodeOrUtf8(token)) != null) {
                    throw new FormatException(source + ": id " + id + " is given twice (again for \"" + token + "\")");
                }
                max = Math.max(max, id);
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new FormatException(source + ": the JSON object is not closed");
            }
        } catch (JsonProcessingException e) {
            throw new FormatException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")", e);
        }
        // n distinct ids are 0..n-1 exactly when none of 0..n-1 is missing.
        List<byte[]> tokens = new ArrayList<>(byId.size());
        for (int id = 0; id < byId.size(); id++) {
            byte[] token = byId.get(id);
            if (token == null) {
                throw new FormatException(source + ": no token has id " + id + " (ids must be 0.." + max + " without gaps)");
            }
            tokens.add(token);
        }
        return tokens;
    }
}

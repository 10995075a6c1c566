package org.bpespark.pipeline.format;

import static org.bpespark.pipeline.format.FormatTesting.assertFormatError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.bpespark.pipeline.Conformance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GPT-2's {@code vocab.json}: round trips, GPT-2's own file, and errors that name the problem. */
class VocabJsonTest {
    private static final String SOURCE = "test/vocab.json";

    private static List<byte[]> read(byte[] json) throws IOException {
        return VocabJson.read(new ByteArrayInputStream(json), SOURCE);
    }

    private static byte[] write(List<byte[]> tokens, boolean[] special) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VocabJson.write(tokens, special, out);
        return out.toByteArray();
    }

    private static void assertSameTokens(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int id = 0; id < expected.size(); id++) {
            assertArrayEquals(expected.get(id), actual.get(id), "token " + id);
        }
    }

    @Test
    void roundTripKeepsEveryIdAndTokenIncludingSpecialOnes() throws IOException {
        List<byte[]> tokens = new ArrayList<>();
        for (int id = 0; id < 256; id++) {
            tokens.add(new byte[] {(byte) ByteLevel.byteOfId(id)});
        }
        tokens.add(" the".getBytes(StandardCharsets.UTF_8));
        tokens.add("\n\n".getBytes(StandardCharsets.UTF_8));
        tokens.add(new byte[] {(byte) 0xE2, (byte) 0x80}); // the start of a three-byte character
        int firstSpecial = tokens.size();
        for (String special : FormatTesting.SPECIALS) {
            tokens.add(special.getBytes(StandardCharsets.UTF_8));
        }
        boolean[] special = new boolean[tokens.size()];
        for (int id = firstSpecial; id < tokens.size(); id++) {
            special[id] = true;
        }
        byte[] json = write(tokens, special);
        assertSameTokens(tokens, read(json));
    }

    @Test
    void writesOneAsciiLineWithEscapesLikeGpt2sFile() throws IOException {
        List<byte[]> tokens = new ArrayList<>();
        for (int id = 0; id < 256; id++) {
            tokens.add(new byte[] {(byte) ByteLevel.byteOfId(id)});
        }
        tokens.add(" the".getBytes(StandardCharsets.UTF_8));
        tokens.add("<|endoftext|>".getBytes(StandardCharsets.UTF_8));
        boolean[] special = new boolean[tokens.size()];
        special[tokens.size() - 1] = true;
        String json = new String(write(tokens, special), StandardCharsets.UTF_8);
        assertFalse(json.contains("\n"), "more than one line");
        assertTrue(json.chars().allMatch(c -> c < 0x80), "non-ASCII characters are not escaped");
        assertTrue(json.startsWith("{\"!\":0,"), json.substring(0, 20));
        assertTrue(json.contains("\"\\u0120the\":256"), "Ġthe is not written as \\u0120the");
        assertTrue(json.endsWith("\"<|endoftext|>\":257}"), "special token not written as its text");
    }

    @Test
    void gpt2sOwnFileSurvivesARoundTrip() throws IOException {
        List<byte[]> vocab;
        try (InputStream in = Files.newInputStream(Conformance.fixture("gpt2_vocab.json"))) {
            vocab = VocabJson.read(in, "gpt2_vocab.json");
        }
        assertEquals(50257, vocab.size());
        assertArrayEquals(" the".getBytes(StandardCharsets.UTF_8), vocab.get(262));
        assertArrayEquals("<|endoftext|>".getBytes(StandardCharsets.UTF_8), vocab.get(50256));
        boolean[] special = new boolean[vocab.size()];
        special[50256] = true;
        assertSameTokens(vocab, read(write(vocab, special)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "gap               | {\"a\": 0, \"b\": 2}              | no token has id 1",
        "repeated id       | {\"a\": 0, \"b\": 1, \"c\": 1}    | id 1 is given twice",
        "string id         | {\"a\": 0, \"b\": \"1\"}          | \"b\" is not an integer",
        "fractional id     | {\"a\": 0, \"b\": 1.5}            | \"b\" is not an integer",
        "negative id       | {\"a\": 0, \"b\": -1}             | negative id -1",
        "id past int       | {\"a\": 0, \"b\": 9999999999}     | not valid JSON",
        "huge id           | {\"a\": 0, \"b\": 2147483647}     | 2147483647",
        "truncated value   | {\"a\": 0, \"b\":                 | not valid JSON",
        "truncated object  | {\"a\": 0, \"b\": 1               | not valid JSON",
        "not an object     | [\"a\", \"b\"]                    | expected a JSON object",
        "empty             | ``                                | expected a JSON object",
        "not JSON          | a: 0                              | not valid JSON",
    })
    void malformedInputIsAFormatExceptionNamingTheProblem(String what, String json, String problem) {
        assertFormatError(() -> read(json.getBytes(StandardCharsets.UTF_8)), SOURCE, problem);
    }
}

package org.bpespark.pipeline.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bpespark.pipeline.Conformance;
import org.junit.jupiter.api.Test;

/** GPT-2's byte-to-unicode mapping, as SPEC.md section 1.1 states it. */
class ByteLevelTest {
    private static char charOf(int b) {
        String mapped = ByteLevel.encode(new byte[] {(byte) b});
        assertEquals(1, mapped.length());
        return mapped.charAt(0);
    }

    private static boolean printable(int b) {
        return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    @Test
    void the188PrintableBytesMapToThemselves() {
        int count = 0;
        for (int b = 0; b < 256; b++) {
            if (printable(b)) {
                assertEquals(b, charOf(b), "byte 0x" + Integer.toHexString(b));
                count++;
            }
        }
        assertEquals(188, count);
    }

    @Test
    void theOther68MapInOrderFromU0100() {
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!printable(b)) {
                assertEquals(0x100 + n, charOf(b), "byte 0x" + Integer.toHexString(b));
                n++;
            }
        }
        assertEquals(68, n);
    }

    @Test
    void landmarksOfTheMapping() {
        assertEquals('\u0100', charOf(0x00)); // Ā
        assertEquals('\u010A', charOf(0x0A)); // Ċ, line feed
        assertEquals('\u0120', charOf(0x20)); // Ġ, space
        assertEquals('\u0121', charOf(0x7F)); // ġ
        assertEquals('\u0122', charOf(0x80));
        assertEquals('\u0142', charOf(0xA0)); // ł
        assertEquals('\u0143', charOf(0xAD)); // Ń, the one unprintable byte between 0xA1 and 0xFF
        assertEquals("Ġthe", ByteLevel.encode(" the".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void noByteMapsToWhitespaceAndNoTwoBytesShareACharacter() {
        Set<Character> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = charOf(b);
            assertFalse(Character.isWhitespace(c) || Character.isSpaceChar(c), "byte " + b + " maps to whitespace");
            assertTrue(seen.add(c), "two bytes map to " + c);
        }
    }

    @Test
    void idsFollowMappingOrder() {
        assertEquals(0, ByteLevel.idOfByte('!'));
        assertEquals('!', ByteLevel.byteOfId(0));
        assertEquals(187, ByteLevel.idOfByte(0xFF)); // the last printable byte
        assertEquals(188, ByteLevel.idOfByte(0x00)); // the first shifted byte
        assertEquals(255, ByteLevel.idOfByte(0xAD)); // the last shifted byte
        int previousPrintable = -1;
        int previousShifted = -1;
        for (int id = 0; id < 256; id++) {
            int b = ByteLevel.byteOfId(id);
            assertEquals(id, ByteLevel.idOfByte(b));
            if (id < 188) {
                assertTrue(printable(b) && b > previousPrintable, "id " + id);
                previousPrintable = b;
            } else {
                assertTrue(!printable(b) && b > previousShifted, "id " + id);
                previousShifted = b;
            }
        }
    }

    @Test
    void gpt2VocabularyHoldsTheBytesInMappingOrder() throws IOException {
        List<byte[]> vocab;
        try (InputStream in = Files.newInputStream(Conformance.fixture("gpt2_vocab.json"))) {
            vocab = VocabJson.read(in, "gpt2_vocab.json");
        }
        for (int id = 0; id < 256; id++) {
            assertArrayEquals(new byte[] {(byte) ByteLevel.byteOfId(id)}, vocab.get(id), "GPT-2 id " + id);
        }
    }

    @Test
    void decodeInvertsEncodeOnEveryByte() {
        byte[] all = new byte[256];
        for (int b = 0; b < 256; b++) {
            all[b] = (byte) b;
        }
        assertArrayEquals(all, ByteLevel.decode(ByteLevel.encode(all)));
        // <|endoftext|> is printable ASCII, so its mapped form is itself.
        assertArrayEquals("<|endoftext|>".getBytes(StandardCharsets.US_ASCII), ByteLevel.decode("<|endoftext|>"));
    }

    @Test
    void decodeNamesACharacterOutsideTheAlphabet() {
        // A space, the soft hyphen (0xAD is shifted, so U+00AD itself is unused), one past U+0143, a euro sign.
        Map<String, String> where = Map.of(
                "a b", "U+0020 at index 1",
                "x\u00AD", "U+00AD at index 1",
                "\u0144", "U+0144 at index 0",
                "ab€", "U+20AC at index 2");
        where.forEach((bad, expected) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteLevel.decode(bad));
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        });
    }

    @Test
    void decodeOrUtf8FallsBackToUtf8OnlyOutsideTheAlphabet() {
        assertArrayEquals(new byte[] {' ', 't'}, ByteLevel.decodeOrUtf8("Ġt"));
        assertArrayEquals("<|a b|>".getBytes(StandardCharsets.UTF_8), ByteLevel.decodeOrUtf8("<|a b|>"));
    }
}

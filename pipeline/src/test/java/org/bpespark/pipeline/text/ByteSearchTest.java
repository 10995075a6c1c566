package org.bpespark.pipeline.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bpespark.pipeline.Randomized;
import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time searches against plain loops, on random slices of random bytes. */
class ByteSearchTest {
    @Test
    void indexOfAndFirstNonAsciiAgreeWithPlainLoops() {
        Randomized.check("byte search", 0xB5EA4C11L, 50_000, random -> {
            byte[] b = new byte[random.nextInt(40)];
            // Few distinct values, so that hits, near misses (values differing by 0x80) and misses all occur.
            byte[] alphabet = {'<', '|', 'a', ' ', (byte) 0xBC, (byte) 0x80, 0, (byte) 0xFF};
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(128);
            }
            int from = random.nextInt(b.length + 1);
            int to = from + random.nextInt(b.length - from + 1);
            byte value = alphabet[random.nextInt(alphabet.length)];
            int expected = from;
            while (expected < to && b[expected] != value) {
                expected++;
            }
            assertEquals(expected, ByteSearch.indexOf(b, from, to, value));
            int nonAscii = from;
            while (nonAscii < to && b[nonAscii] >= 0) {
                nonAscii++;
            }
            assertEquals(nonAscii, ByteSearch.firstNonAscii(b, from, to));
        });
    }
}

package org.bpespark.pipeline.format;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-unicode mapping: every byte value maps to one printable character, so any byte
 * string can be written as a JSON key or a {@code merges.txt} half with no spaces or newlines.
 *
 * <p>The 188 printable bytes ({@code !}..{@code ~}, {@code ¡}..{@code ¬}, {@code ®}..{@code ÿ}) map to
 * themselves; the other 68 map, in increasing order, to U+0100.. ({@code ' '} → {@code Ġ},
 * {@code '\n'} → {@code Ċ}). "Mapping order" (printable bytes first, then the shifted ones) is the
 * order of ids 0–255 in GPT-2's vocab.
 */
public final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x144];
    /** Byte values in mapping order: {@code MAPPING_ORDER[id]} is the byte whose GPT-2 id is {@code id}. */
    private static final int[] MAPPING_ORDER = new int[256];
    private static final int[] ID_OF_BYTE = new int[256];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            if (isPrintable(b)) {
                MAPPING_ORDER[next++] = b;
                BYTE_TO_CHAR[b] = (char) b;
            }
        }
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            if (!isPrintable(b)) {
                MAPPING_ORDER[next++] = b;
                BYTE_TO_CHAR[b] = (char) (0x100 + shifted++);
            }
        }
        for (int id = 0; id < 256; id++) {
            ID_OF_BYTE[MAPPING_ORDER[id]] = id;
            CHAR_TO_BYTE[BYTE_TO_CHAR[MAPPING_ORDER[id]]] = MAPPING_ORDER[id];
        }
    }

    private ByteLevel() {
    }

    private static boolean isPrintable(int b) {
        return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The byte whose GPT-2 id is {@code id} (0–255). */
    public static int byteOfId(int id) {
        return MAPPING_ORDER[id];
    }

    /** The GPT-2 id (0–255) of a single byte. */
    public static int idOfByte(int b) {
        return ID_OF_BYTE[b & 0xFF];
    }

    /** The mapped (printable) form of a byte string. */
    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * The bytes behind a mapped string.
     *
     * @throws IllegalArgumentException naming the character if it is not in the mapping
     */
    public static byte[] decode(String mapped) {
        byte[] out = new byte[mapped.length()];
        for (int i = 0; i < mapped.length(); i++) {
            char c = mapped.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                throw new IllegalArgumentException(String.format(
                        "character U+%04X at index %d of \"%s\" is not in GPT-2's byte-level alphabet", (int) c, i, mapped));
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** Bytes of a special token as written in vocab files: its UTF-8 text if it does not decode as mapped form. */
    public static byte[] decodeOrUtf8(String token) {
        try {
            return decode(token);
        } catch (IllegalArgumentException notMapped) {
            return token.getBytes(StandardCharsets.UTF_8);
        }
    }
}

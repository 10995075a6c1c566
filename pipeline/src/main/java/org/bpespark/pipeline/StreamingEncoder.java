package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bpespark.pipeline.text.PreTokenizer;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * Encodes text that arrives in chunks. After each chunk it emits every id that more input cannot
 * change and keeps the unfinished tail: a possible special-token prefix at the end, and the last
 * two pre-tokens of the text before it. One is not enough: a lone {@code '} followed by {@code l}
 * are two pre-tokens that become {@code 'll} when another {@code l} arrives; each GPT-2 alternative
 * looks at most two characters past a match, so two held-back matches cover it
 * ({@code TokenizerStreamingTest} checks this on random chunkings).
 */
final class StreamingEncoder {
    private final Tokenizer tokenizer;
    private final SpecialTokens specials;
    private byte[] buf = new byte[1 << 12];
    private int len;
    /** A high surrogate that ended the previous chunk, waiting for its low half. */
    private char pendingHigh;
    private final IntArrayList matchStarts = new IntArrayList();

    StreamingEncoder(Tokenizer tokenizer, SpecialTokens specials) {
        this.tokenizer = tokenizer;
        this.specials = specials;
    }

    void feed(String chunk, IntArrayList out) {
        if (pendingHigh != 0) {
            chunk = pendingHigh + chunk;
            pendingHigh = 0;
        }
        if (!chunk.isEmpty() && Character.isHighSurrogate(chunk.charAt(chunk.length() - 1))) {
            pendingHigh = chunk.charAt(chunk.length() - 1);
            chunk = chunk.substring(0, chunk.length() - 1);
        }
        append(chunk.getBytes(StandardCharsets.UTF_8));
        drain(out);
    }

    void finish(IntArrayList out) {
        if (pendingHigh != 0) {
            append(String.valueOf(pendingHigh).getBytes(StandardCharsets.UTF_8));
            pendingHigh = 0;
        }
        tokenizer.encode(buf, 0, len, out);
        len = 0;
    }

    private void append(byte[] bytes) {
        if (len + bytes.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(len + bytes.length, buf.length * 2));
        }
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    /** Emits the settled prefix of the buffer and moves the tail to its front. */
    private void drain(IntArrayList out) {
        int safeEnd = len - specials.partialSuffixLength(buf, 0, len);
        int[] lastText = {0, 0};
        specials.split(buf, 0, safeEnd, new SpecialTokens.Visitor() {
            @Override
            public void text(byte[] b, int start, int end) {
                lastText[0] = start;
                lastText[1] = end;
            }

            @Override
            public void special(int index) {
                // Everything up to a complete special token is settled.
            }
        });
        int textStart = lastText[0];
        int textEnd = lastText[1];
        int cut;
        if (textEnd != safeEnd || textEnd == textStart) {
            // The buffer ends with a complete special token: everything up to safeEnd is settled.
            cut = safeEnd;
            tokenizer.encode(buf, 0, cut, out);
        } else {
            matchStarts.clear();
            PreTokenizer.split(buf, textStart, textEnd, (b, start, end) -> matchStarts.add(start));
            int settled = Math.max(0, matchStarts.size() - 2);
            cut = settled == 0 ? textStart : matchStarts.getInt(settled);
            // Before the final text piece everything ends at a special token, so it is complete.
            tokenizer.encode(buf, 0, textStart, out);
            // The settled pre-tokens exactly as the split of the whole piece found them. Splitting
            // buf[textStart, cut) again could differ: at the end of input \s+(?!\S) takes "\n\n"
            // whole, while before "The" it leaves the last "\n" to a match of its own.
            for (int i = 0; i < settled; i++) {
                tokenizer.encodePreToken(buf, matchStarts.getInt(i), matchStarts.getInt(i + 1), out);
            }
        }
        if (cut > 0) {
            System.arraycopy(buf, cut, buf, 0, len - cut);
            len -= cut;
        }
    }
}

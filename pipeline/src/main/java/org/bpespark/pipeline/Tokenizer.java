package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.function.IntConsumer;
import org.bpespark.pipeline.text.PreTokenizer;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * Encodes text to token ids and decodes ids to text with a {@link BpeModel}, the way tiktoken and
 * CS336's {@code Tokenizer} do: special tokens first (leftmost, longest), the GPT-2 pre-tokenizer on
 * the text between them, then the merges inside each pre-token.
 *
 * <p>Frequent pre-tokens are cached (a bounded map from bytes to ids). An instance is not
 * thread-safe because of that cache and its scratch arrays: use one per thread (construction takes
 * a few milliseconds for 50,000 merges).
 */
public final class Tokenizer {
    /** Pre-tokens longer than this are not cached: they are rare and would pin memory. */
    private static final int MAX_CACHED_BYTES = 64;

    private final BpeModel model;
    private final byte[][] vocab;
    private final SpecialTokens specials;
    private final WordEncoder wordEncoder;
    private final int[] idOfByte = new int[256];
    private final PreTokenCache cache = new PreTokenCache();
    private int[] scratch = new int[64];

    public Tokenizer(BpeModel model) {
        this.model = model;
        this.vocab = model.vocabArray();
        this.specials = new SpecialTokens(model.specialTokens());
        this.wordEncoder = new WordEncoder(model);
        for (int b = 0; b < 256; b++) {
            idOfByte[b] = model.idOfByte(b);
        }
    }

    public BpeModel model() {
        return model;
    }

    /** Encodes text; the model's special tokens in it become their ids. */
    public int[] encode(String text) {
        IntArrayList out = new IntArrayList(text.length() / 3 + 1);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        encode(utf8, 0, utf8.length, out);
        return out.toIntArray();
    }

    /** Encodes text as ordinary text: a special token's text in it is split like any other text. */
    public int[] encodeOrdinary(String text) {
        IntArrayList out = new IntArrayList(text.length() / 3 + 1);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        encodeOrdinary(utf8, 0, utf8.length, out);
        return out.toIntArray();
    }

    /** Encodes {@code utf8[from, to)}, recognising special tokens, appending the ids to {@code out}. */
    public void encode(byte[] utf8, int from, int to, IntArrayList out) {
        if (specials.isEmpty()) {
            encodeOrdinary(utf8, from, to, out);
            return;
        }
        specials.split(utf8, from, to, new SpecialTokens.Visitor() {
            @Override
            public void text(byte[] buf, int start, int end) {
                encodeOrdinary(buf, start, end, out);
            }

            @Override
            public void special(int index) {
                out.add(model.specialId(index));
            }
        });
    }

    /** Encodes {@code utf8[from, to)} as ordinary text, appending the ids to {@code out}. */
    public void encodeOrdinary(byte[] utf8, int from, int to, IntArrayList out) {
        // The scanner loop is inlined here rather than called through PreTokenizer.split's Sink:
        // one probe per pre-token is the hot path and a megamorphic callback costs ~10% of it.
        for (int p = from; p < to; ) {
            int end = PreTokenizer.matchEnd(utf8, p, to);
            encodePreToken(utf8, p, end, out);
            p = end;
        }
    }

    /** {@link #encode(byte[], int, int, IntArrayList)} for callers that take ids one by one. */
    public void encode(byte[] utf8, int from, int to, IntConsumer out) {
        IntArrayList ids = new IntArrayList();
        encode(utf8, from, to, ids);
        ids.forEach(out);
    }

    /** Applies the merges to one pre-token's bytes (no pre-tokenizing, no special tokens). */
    public int[] encodeWord(byte[] preToken) {
        IntArrayList out = new IntArrayList(preToken.length);
        encodePreToken(preToken, 0, preToken.length, out);
        return out.toIntArray();
    }

    /** Encodes one pre-token. */
    void encodePreToken(byte[] buf, int start, int end, IntArrayList out) {
        int n = end - start;
        if (n == 1) {
            out.add(idOfByte[buf[start] & 0xFF]);
            return;
        }
        if (n <= PreTokenCache.COMPACT_BYTES) {
            long key0 = PreTokenCache.pack(buf, start, end);
            long key1 = n > 8 ? PreTokenCache.pack(buf, start + 8, end) : 0;
            if (cache.appendCompact(key0, key1, n, out)) {
                return;
            }
            // A pre-token that encodes to 4+ ids (an emoji, a rare word) lives in the general table.
            int hash = PreTokenCache.hash(buf, start, end);
            if (cache.appendTo(buf, start, end, hash, out)) {
                return;
            }
            int m = mergeWord(buf, start, n);
            out.addElements(out.size(), scratch, 0, m);
            if (!cache.putCompact(key0, key1, n, scratch, m)) {
                cache.put(buf, start, end, hash, scratch, m);
            }
            return;
        }
        boolean cacheable = n <= MAX_CACHED_BYTES;
        int hash = 0;
        if (cacheable) {
            hash = PreTokenCache.hash(buf, start, end);
            if (cache.appendTo(buf, start, end, hash, out)) {
                return;
            }
        }
        int m = mergeWord(buf, start, n);
        out.addElements(out.size(), scratch, 0, m);
        if (cacheable) {
            cache.put(buf, start, end, hash, scratch, m);
        }
    }

    /** Applies the merges to {@code buf[start, start + n)}; the ids are in {@code scratch[0, result)}. */
    private int mergeWord(byte[] buf, int start, int n) {
        if (scratch.length < n) {
            scratch = new int[Math.max(n, scratch.length * 2)];
        }
        for (int i = 0; i < n; i++) {
            scratch[i] = idOfByte[buf[start + i] & 0xFF];
        }
        return wordEncoder.merge(scratch, n);
    }

    /** The bytes behind a sequence of ids. */
    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            if (id < 0 || id >= vocab.length) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocab.length + ")");
            }
            out.writeBytes(vocab[id]);
        }
        return out.toByteArray();
    }

    /** Decodes ids to text; bytes that are not valid UTF-8 become U+FFFD, never an exception. */
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /**
     * Encodes a stream of text chunks lazily, holding memory proportional to one chunk plus the
     * unfinished tail, and yields exactly the ids {@link #encode} gives on the concatenated text.
     */
    public PrimitiveIterator.OfInt encodeIterable(Iterator<String> chunks) {
        StreamingEncoder stream = new StreamingEncoder(this, specials);
        IntArrayList pending = new IntArrayList();
        return new PrimitiveIterator.OfInt() {
            private int next;
            private boolean finished;

            @Override
            public boolean hasNext() {
                while (next == pending.size()) {
                    if (finished) {
                        return false;
                    }
                    pending.clear();
                    next = 0;
                    if (chunks.hasNext()) {
                        stream.feed(chunks.next(), pending);
                    } else {
                        stream.finish(pending);
                        finished = true;
                    }
                }
                return true;
            }

            @Override
            public int nextInt() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return pending.getInt(next++);
            }
        };
    }

    /** Encodes everything a reader gives, in chunks, in constant memory (besides {@code out}). */
    public void encode(Reader reader, IntConsumer out) {
        StreamingEncoder stream = new StreamingEncoder(this, specials);
        char[] chunk = new char[1 << 16];
        IntArrayList ids = new IntArrayList();
        try {
            for (int n; (n = reader.read(chunk)) >= 0; ) {
                ids.clear();
                stream.feed(new String(chunk, 0, n), ids);
                ids.forEach(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ids.clear();
        stream.finish(ids);
        ids.forEach(out);
    }
}

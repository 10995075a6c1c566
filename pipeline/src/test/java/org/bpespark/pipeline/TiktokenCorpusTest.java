package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our GPT-2 ids equal tiktoken's (npm {@code tiktoken@1.0.22}, the Rust core) on whole corpora from
 * {@code ../shared/corpora}, with {@code <|endoftext|>} allowed as a special token.
 *
 * <p>The expected ids are not stored, only their digests ({@code src/test/resources/tiktoken/*.json},
 * made by {@code src/test/scripts/make-tiktoken-digests.sh}): the sha256 of the decompressed input,
 * the token count, the sha256 of all ids as uint16 little-endian, and the same per block of about
 * 1 MiB of input cut right after an {@code <|endoftext|>} (see {@link CorpusBlocks}). A mismatch is
 * reported per block (byte range, first document); with {@code -Dtiktoken.ids.dir=DIR} holding
 * tiktoken's ids ({@code make-tiktoken-digests.sh --keep-ids DIR}) also at the first differing token.
 */
class TiktokenCorpusTest {
    /** The digest files, by corpus stem; together they must cover at least 20 MB. */
    private static final List<String> DIGESTS = List.of("tinystories_like_en", "tinystories_ru", "multilingual");
    private static final long MIN_COVERED_BYTES = 20_000_000L;
    private static final int MAX_REPORTED_BLOCKS = 5;

    private static BpeModel gpt2;

    @BeforeAll
    static void loadGpt2() throws IOException {
        gpt2 = Conformance.gpt2(List.of("<|endoftext|>"));
        assertEquals(50256, new Tokenizer(gpt2).encode("<|endoftext|>")[0], "<|endoftext|> must be id 50256");
    }

    static JsonNode digest(String stem) throws IOException {
        try (InputStream in = TiktokenCorpusTest.class.getResourceAsStream("/tiktoken/" + stem + ".json")) {
            assertNotNull(in, "missing resource tiktoken/" + stem + ".json");
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void digestsCoverAtLeast20MB() throws IOException {
        long bytes = 0;
        for (String stem : DIGESTS) {
            bytes += digest(stem).get("bytes").asLong();
        }
        assertTrue(bytes >= MIN_COVERED_BYTES, "the tiktoken digests cover only " + bytes + " bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tinystories_like_en", "tinystories_ru", "multilingual"})
    void idsEqualTiktoken(String stem) throws Exception {
        assertTrue(DIGESTS.contains(stem));
        JsonNode expected = digest(stem);
        String corpus = expected.get("corpus").asText();
        Path file = Conformance.corpus(corpus);
        assertTrue(Files.isRegularFile(file), "corpus not found: " + file);
        assertEquals(List.of("<|endoftext|>"), textList(expected.get("specials")), "digest made with other specials");
        JsonNode blocks = expected.get("blocks");

        Tokenizer tokenizer = new Tokenizer(gpt2);
        MessageDigest inputSha = sha256();
        MessageDigest allIdsSha = sha256();
        IntArrayList ids = new IntArrayList(1 << 20);
        ByteBuffer le = ByteBuffer.allocate(2 << 20).order(ByteOrder.LITTLE_ENDIAN);
        List<String> mismatches = new ArrayList<>();
        long bytes = 0;
        long tokens = 0;
        int separators = 0;
        int block = 0;
        try (CorpusBlocks in = new CorpusBlocks(CorpusChunks.open(file))) {
            for (; in.next(); block++) {
                byte[] buf = in.buffer();
                inputSha.update(buf, in.start(), in.length());
                ids.clear();
                tokenizer.encode(buf, in.start(), in.start() + in.length(), ids::add);
                le = littleEndian(ids, le);
                allIdsSha.update(le.array(), 0, le.limit());
                MessageDigest blockSha = sha256();
                blockSha.update(le.array(), 0, le.limit());
                String idsSha = hex(blockSha.digest());

                JsonNode want = block < blocks.size() ? blocks.get(block) : null;
                if (want == null) {
                    fail(corpus + ": input continues after the digest's " + blocks.size() + " blocks (at byte " + bytes + ")");
                }
                // The stored cut points follow CorpusBlocks' rule; if they disagree, the corpus (or the rule) changed.
                String layout = corpus + " block " + block + " (input changed since the digest was made?)";
                assertEquals(want.get("offset").asLong(), in.offset(), layout + ": offset");
                assertEquals(want.get("bytes").asInt(), in.length(), layout + ": length");
                assertEquals(want.get("firstDoc").asInt(), separators, layout + ": first document");
                if (want.get("tokens").asInt() != ids.size() || !want.get("sha256").asText().equals(idsSha)) {
                    if (mismatches.size() < MAX_REPORTED_BLOCKS) {
                        mismatches.add(describe(corpus, block, want, in, ids, idsSha, tokens));
                    } else if (mismatches.size() == MAX_REPORTED_BLOCKS) {
                        mismatches.add("... (more blocks differ)");
                    }
                }
                bytes += in.length();
                tokens += ids.size();
                separators += in.separators();
            }
        }
        String where = corpus + " (" + bytes + " bytes, " + block + " blocks)";
        assertEquals(expected.get("inputSha256").asText(), hex(inputSha.digest()),
                where + ": the corpus is not the one the digest was made from");
        assertEquals(expected.get("bytes").asLong(), bytes, where + ": input length");
        assertEquals(blocks.size(), block, where + ": block count");
        if (!mismatches.isEmpty()) {
            fail(where + ": our ids differ from tiktoken's in " + mismatches.stream().collect(Collectors.joining("\n  ", "\n  ", "")));
        }
        assertEquals(expected.get("tokens").asLong(), tokens, where + ": token count");
        assertEquals(expected.get("idsSha256").asText(), hex(allIdsSha.digest()), where + ": sha256 of all ids");
        System.out.printf("tiktoken gpt2 == ours on %s: %,d bytes, %,d documents, %,d tokens, %d blocks%n",
                corpus, bytes, expected.get("documents").asLong(), tokens, block);
    }

    /**
     * The streaming path ({@link Tokenizer#encode(java.io.Reader, java.util.function.IntConsumer)}: 64 K-char
     * chunks, held-back tails) gives the same ids on the most varied corpus; blocks are told apart by
     * counting {@code <|endoftext|>} ids, so a mismatch is still localised to a block.
     */
    @ParameterizedTest
    @ValueSource(strings = {"multilingual"})
    void streamingEncodeEqualsTiktoken(String stem) throws Exception {
        JsonNode expected = digest(stem);
        String corpus = expected.get("corpus").asText();
        JsonNode blocks = expected.get("blocks");
        int eot = gpt2.specialId(0);
        MessageDigest all = sha256();
        List<String> mismatches = new ArrayList<>();
        var state = new Object() {
            MessageDigest blockSha = sha256();
            long tokens;
            long blockTokens;
            int eots;
            int block;
            final byte[] le = new byte[1 << 16];
            int pos;

            void accept(int id) {
                if (id < 0 || id > 0xFFFF) {
                    fail("id " + id + " does not fit uint16");
                }
                if (pos == le.length) {
                    flush();
                }
                le[pos++] = (byte) id;
                le[pos++] = (byte) (id >>> 8);
                tokens++;
                blockTokens++;
                if (id == eot && ++eots == nextBlockFirstDoc()) {
                    closeBlock();
                }
            }

            int nextBlockFirstDoc() {
                return block + 1 < blocks.size() ? blocks.get(block + 1).get("firstDoc").asInt() : -1;
            }

            void flush() {
                all.update(le, 0, pos);
                blockSha.update(le, 0, pos);
                pos = 0;
            }

            void closeBlock() {
                flush();
                JsonNode want = blocks.get(Math.min(block, blocks.size() - 1));
                String sha = hex(blockSha.digest());
                if ((want.get("tokens").asLong() != blockTokens || !want.get("sha256").asText().equals(sha))
                        && mismatches.size() < MAX_REPORTED_BLOCKS) {
                    mismatches.add(String.format("block %d (input bytes [%d, %d), documents from #%d): tokens %d (tiktoken %d)",
                            block, want.get("offset").asLong(), want.get("offset").asLong() + want.get("bytes").asLong(),
                            want.get("firstDoc").asInt(), blockTokens, want.get("tokens").asLong()));
                }
                block++;
                blockTokens = 0;
                blockSha = sha256();
            }
        };
        try (java.io.Reader reader = new java.io.InputStreamReader(CorpusChunks.open(Conformance.corpus(corpus)),
                StandardCharsets.UTF_8)) {
            new Tokenizer(gpt2).encode(reader, state::accept);
        }
        if (state.blockTokens > 0) {
            state.closeBlock();
        }
        if (!mismatches.isEmpty()) {
            fail(corpus + ", streaming: our ids differ from tiktoken's in "
                    + mismatches.stream().collect(Collectors.joining("\n  ", "\n  ", "")));
        }
        assertEquals(blocks.size(), state.block, corpus + ", streaming: block count");
        assertEquals(expected.get("tokens").asLong(), state.tokens, corpus + ", streaming: token count");
        assertEquals(expected.get("idsSha256").asText(), hex(all.digest()), corpus + ", streaming: sha256 of all ids");
    }

    /** One mismatching block: where it is, and the first differing token when tiktoken's ids are at hand. */
    private static String describe(String corpus, int block, JsonNode want, CorpusBlocks in, IntArrayList ids,
            String idsSha, long tokensBefore) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append(String.format("block %d: input bytes [%d, %d), documents from #%d; tokens %d (tiktoken %d), sha256 %s (tiktoken %s)",
                block, in.offset(), in.offset() + in.length(), want.get("firstDoc").asInt(), ids.size(),
                want.get("tokens").asInt(), idsSha, want.get("sha256").asText()));
        Path dir = Files.createTempDirectory("tiktoken-mismatch-");
        String stem = corpus.substring(0, corpus.indexOf('.')) + "-block" + block;
        Path text = dir.resolve(stem + ".txt");
        Files.write(text, java.util.Arrays.copyOfRange(in.buffer(), in.start(), in.start() + in.length()));
        Path ours = dir.resolve(stem + ".ours.txt");
        Files.writeString(ours, ids.intStream().mapToObj(Integer::toString).collect(Collectors.joining(" ")) + "\n");
        s.append("\n    block text: ").append(text).append(", our ids: ").append(ours)
                .append("\n    tiktoken's: node ../shared/anchors/gpt2_encode.mjs ").append(text).append(" --special --txt");
        String idsDir = System.getProperty("tiktoken.ids.dir");
        Path theirsFile = idsDir == null ? null : Path.of(idsDir, corpus.substring(0, corpus.indexOf('.')) + ".ids.bin");
        if (theirsFile != null && Files.isRegularFile(theirsFile)) {
            int[] theirs = readIds(theirsFile, tokensBefore, want.get("tokens").asInt());
            int i = 0;
            while (i < theirs.length && i < ids.size() && theirs[i] == ids.getInt(i)) {
                i++;
            }
            int[] oursArr = ids.toIntArray();
            int[] prefix = java.util.Arrays.copyOf(oursArr, i);
            int byteInBlock = new Tokenizer(gpt2).decodeBytes(prefix).length;
            int from = Math.max(0, i - 3);
            s.append(String.format("%n    first differing token: #%d of the block (#%d of the file), at input byte %d;"
                            + " tiktoken %s, ours %s; text there: %s",
                    i, tokensBefore + i, in.offset() + byteInBlock,
                    slice(theirs, from, i + 5), slice(oursArr, from, i + 5),
                    quote(in.buffer(), in.start() + byteInBlock, Math.min(in.start() + in.length(), in.start() + byteInBlock + 40))));
        } else {
            s.append("\n    (for the first differing token: make-tiktoken-digests.sh --keep-ids DIR, then -Dtiktoken.ids.dir=DIR)");
        }
        return s.toString();
    }

    private static int[] readIds(Path file, long from, int count) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate(2 * count).order(ByteOrder.LITTLE_ENDIAN);
            ch.position(2 * from);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // keep reading
            }
            b.flip();
            int[] out = new int[b.remaining() / 2];
            for (int i = 0; i < out.length; i++) {
                out[i] = b.getShort() & 0xFFFF;
            }
            return out;
        }
    }

    private static String slice(int[] a, int from, int to) {
        return java.util.Arrays.toString(java.util.Arrays.copyOfRange(a, Math.min(from, a.length), Math.min(to, a.length)));
    }

    private static String quote(byte[] b, int from, int to) {
        return '"' + new String(b, from, to - from, StandardCharsets.UTF_8).replace("\n", "\\n") + '"';
    }

    private static ByteBuffer littleEndian(IntArrayList ids, ByteBuffer buf) {
        if (buf.capacity() < 2 * ids.size()) {
            buf = ByteBuffer.allocate(2 * ids.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        buf.clear();
        for (int i = 0, n = ids.size(); i < n; i++) {
            int id = ids.getInt(i);
            if (id < 0 || id > 0xFFFF) {
                fail("id " + id + " does not fit uint16");
            }
            buf.putShort((short) id);
        }
        buf.flip();
        return buf;
    }

    private static List<String> textList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}

package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.CorpusChunks;
import org.bpespark.pipeline.Tokenizer;
import org.bpespark.pipeline.format.ShardManifest;
import org.bpespark.pipeline.format.TokenShards;
import org.bpespark.pipeline.format.TokenizerFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * encode-shards with GPT-2's own vocab.json/merges.txt (CS336 fixtures) against tiktoken's gpt2
 * ids: the shards concatenated hold tiktoken's encoding of each input file with the special
 * allowed, plus one EOT for the text after the last separator (here a lone "\n"). Expected ids
 * come as digests from {@code pipeline/src/test/resources/tiktoken/} (see
 * {@code pipeline/src/test/scripts/README.md}). Then numpy (np.memmap) and the Java reader read the
 * shards and sample get_batch windows, the training stage's contract.
 */
class ShardsTiktokenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EOT = 50256;

    @TempDir
    static Path tmp;
    static Path gpt2;

    @BeforeAll
    static void gpt2TokenizerFolder() throws IOException {
        gpt2 = Files.createDirectories(tmp.resolve("gpt2"));
        Files.copy(TestData.fixture("gpt2_vocab.json"), gpt2.resolve("vocab.json"));
        Files.copy(TestData.fixture("gpt2_merges.txt"), gpt2.resolve("merges.txt"));
    }

    static JsonNode digest(String corpus) throws IOException {
        Path dir = Path.of(System.getProperty("tiktoken.digests", "../pipeline/src/test/resources/tiktoken"));
        return JSON.readTree(dir.resolve(corpus.replace(".txt.zst", ".json")).toFile());
    }

    @ParameterizedTest
    @CsvSource({"tinystories_en_real.txt.zst, 100000", "multilingual.txt.zst, 10000000"})
    void shardsEqualTiktokenAndDecodeToTheInput(String corpus, long shardTokens) throws Exception {
        Path out = tmp.resolve(corpus + "-shards");
        Embedded.run("local[2]", "encode-shards", "--tokenizer", gpt2.toString(),
                "--input", TestData.corpus(corpus).toString(), "--output", out.toString(),
                "--shard-tokens", Long.toString(shardTokens));
        ShardManifest manifest = ShardManifest.fromJson(Files.readAllBytes(out.resolve("manifest.json")), "manifest");
        assertTrue(manifest.shards().size() > 1, "expected several shards, got " + manifest.shards().size());
        int[] stream = concatenated(out, manifest);

        JsonNode expected = digest(corpus);
        assertEquals(expected.path("tokens").asLong() + 1, stream.length, "tiktoken's ids + one EOT after the trailing \\n");
        assertEquals(EOT, stream[stream.length - 1]);
        assertEquals(expected.path("idsSha256").asText(), sha256Uint16(stream, stream.length - 1),
                corpus + ": the shards' ids differ from tiktoken's (TiktokenCorpusTest localises it)");

        byte[] input;
        try (InputStream in = CorpusChunks.open(TestData.corpus(corpus))) {
            input = in.readAllBytes();
        }
        assertEquals(expected.path("inputSha256").asText(), HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(input)));
        Tokenizer tokenizer = new Tokenizer(TokenizerFiles.load(TokenizerFiles.localDir(gpt2)));
        byte[] decoded = tokenizer.decodeBytes(stream);
        byte[] inputPlusEot = (new String(input, StandardCharsets.UTF_8) + "<|endoftext|>").getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(inputPlusEot, decoded, "decoding the shards must give the input back");
        int separators = (new String(input, StandardCharsets.UTF_8).split("<\\|endoftext\\|>", -1).length - 1);
        assertEquals(separators + 1, manifest.totalDocuments(), "one document per separator, plus the text after the last");

        numpyReadsTheShards(out, stream);
        javaGetBatch(out, stream);
    }

    @Test
    void refusesAVocabularyTooLargeForUint16() throws IOException {
        Path big = tmp.resolve("big");
        BpeModel gpt2Model = TokenizerFiles.load(TokenizerFiles.localDir(gpt2));
        List<String> specials = new ArrayList<>(gpt2Model.specialTokens());
        for (int i = 0; i < 20_000; i++) {
            specials.add("<|extra_" + i + "|>");
        }
        List<byte[]> vocab = new ArrayList<>();
        for (int id = 0; id < gpt2Model.vocabSize(); id++) {
            vocab.add(gpt2Model.tokenBytes(id));
        }
        TokenizerFiles.saveLocal(BpeModel.withVocab(vocab, gpt2Model.merges(), specials), big);
        var result = Embedded.runCapturingErr("local[1]", "encode-shards", "--tokenizer", big.toString(),
                "--input", TestData.fixture("address.txt").toString(), "--output", tmp.resolve("big-out").toString());
        assertEquals(2, result.getKey());
        assertTrue(result.getValue().contains("70257 ids") && result.getValue().contains("--dtype uint32"), result.getValue());
        assertTrue(Files.notExists(tmp.resolve("big-out")));
    }

    static int[] concatenated(Path dir, ShardManifest manifest) throws IOException {
        List<int[]> parts = new ArrayList<>();
        int total = 0;
        for (ShardManifest.Shard s : manifest.shards()) {
            int[] ids = TokenShards.readIds(dir.resolve(s.file()), TokenShards.Dtype.UINT16);
            long[] ends = TokenShards.readIndex(dir.resolve(s.index()));
            assertEquals(s.tokens(), ids.length);
            assertEquals(s.documents(), ends.length);
            for (long end : ends) {
                assertEquals(EOT, ids[(int) end - 1], "each document ends with EOT");
            }
            parts.add(ids);
            total += ids.length;
        }
        int[] stream = new int[total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, stream, at, p.length);
            at += p.length;
        }
        return stream;
    }

    static String sha256Uint16(int[] ids, int n) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buf.putShort((short) ids[i]);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buf.array()));
    }

    /** Runs the numpy reader (jobs/src/test/python/read_shards.py) and checks what it saw against the stream. */
    static void numpyReadsTheShards(Path dir, int[] stream) throws Exception {
        Process p = new ProcessBuilder("python3", Path.of("src/test/python/read_shards.py").toAbsolutePath().toString(),
                dir.toString()).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "read_shards.py failed: " + new String(output, StandardCharsets.UTF_8));
        JsonNode seen = JSON.readTree(output);
        assertEquals(stream.length, seen.path("total_tokens").asLong());
        for (int i = 0; i < 5; i++) {
            assertEquals(stream[i], seen.path("head").get(i).asInt());
            assertEquals(stream[stream.length - 5 + i], seen.path("tail").get(i).asInt());
        }
        for (int b = 0; b < seen.path("batch_starts").size(); b++) {
            int start = seen.path("batch_starts").get(b).asInt();
            for (int t = 0; t < 32; t++) {
                assertEquals(stream[start + t], seen.path("batch_x").get(b).get(t).asInt());
                assertEquals(stream[start + t + 1], seen.path("batch_y").get(b).get(t).asInt());
            }
        }
    }

    static void javaGetBatch(Path dir, int[] stream) throws IOException {
        TokenShards.Reader reader = new TokenShards.Reader(dir);
        assertEquals(stream.length, reader.totalTokens());
        int[][][] xy = reader.getBatch(new Random(7), 8, 64);
        for (int b = 0; b < 8; b++) {
            int start = indexOf(stream, xy[0][b]);
            assertTrue(start >= 0, "a batch row must be a window of the stream");
            for (int t = 0; t < 64; t++) {
                assertEquals(stream[start + t + 1], xy[1][b][t], "y is x shifted by one");
            }
        }
    }

    private static int indexOf(int[] stream, int[] window) {
        outer:
        for (int i = 0; i + window.length <= stream.length; i++) {
            for (int t = 0; t < window.length; t++) {
                if (stream[i + t] != window[t]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

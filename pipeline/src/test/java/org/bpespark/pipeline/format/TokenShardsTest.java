package org.bpespark.pipeline.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.bpespark.pipeline.format.TokenShards.Dtype;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips of the shard layout ({@link TokenShards}) and of {@code manifest.json} ({@link ShardManifest}). */
class TokenShardsTest {
    @TempDir
    Path dir;

    @Test
    void idsRoundTripInBothDtypesLittleEndian() throws IOException {
        int[] ids = {0, 1, 255, 256, 50256, 65535};
        for (Dtype dtype : Dtype.values()) {
            Path bin = dir.resolve("x-" + dtype + ".bin");
            try (OutputStream out = Files.newOutputStream(bin)) {
                TokenShards.writeIds(out, ids, 0, ids.length, dtype);
            }
            assertEquals((long) ids.length * dtype.bytes, Files.size(bin));
            assertArrayEquals(ids, TokenShards.readIds(bin, dtype));
        }
        byte[] raw = Files.readAllBytes(dir.resolve("x-UINT16.bin"));
        assertEquals((byte) 0x50, raw[8]); // 50256 = 0xC450, low byte first
        assertEquals((byte) 0xC4, raw[9]);
        int[] big = {70000, Integer.MAX_VALUE};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TokenShards.writeIds(out, big, 0, 2, Dtype.UINT32);
        Files.write(dir.resolve("big.bin"), out.toByteArray());
        assertArrayEquals(big, TokenShards.readIds(dir.resolve("big.bin"), Dtype.UINT32));
    }

    /** One writer reused for many documents, some longer than its buffer, writes what one call for all of them does. */
    @Test
    void anIdWriterReusedAcrossDocumentsWritesTheSameBytes() throws IOException {
        Random random = new Random(11);
        int[] ids = random.ints(200_000, 0, 65536).toArray();
        for (Dtype dtype : Dtype.values()) {
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            TokenShards.writeIds(whole, ids, 0, ids.length, dtype);
            ByteArrayOutputStream pieces = new ByteArrayOutputStream();
            TokenShards.IdWriter writer = new TokenShards.IdWriter(pieces, dtype);
            for (int from = 0; from < ids.length; ) {
                int to = Math.min(ids.length, from + (random.nextInt(10) == 0 ? 70_000 : random.nextInt(50)));
                writer.write(ids, from, to);
                from = to;
            }
            assertArrayEquals(whole.toByteArray(), pieces.toByteArray(), dtype.toString());
        }
    }

    @Test
    void aTruncatedBinOrIndexIsRefusedNamingTheFile() throws IOException {
        Path bin = Files.write(dir.resolve("t.bin"), new byte[] {1, 2, 3});
        FormatException e = assertThrows(FormatException.class, () -> TokenShards.readIds(bin, Dtype.UINT16));
        assertTrue(e.getMessage().contains("t.bin") && e.getMessage().contains("truncated"), e.getMessage());
        Path idx = Files.write(dir.resolve("t.idx"), new byte[12]);
        assertThrows(FormatException.class, () -> TokenShards.readIndex(idx));
    }

    @Test
    void uint16RefusesMoreThan65536Ids() {
        Dtype.UINT16.requireFits(65536);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dtype.UINT16.requireFits(65537));
        assertTrue(e.getMessage().contains("uint32"), e.getMessage());
        Dtype.UINT32.requireFits(1 << 20);
    }

    @Test
    void manifestRoundTripsAndRefusesOtherFormats() throws IOException {
        ShardManifest m = new ShardManifest(ShardManifest.FORMAT, ShardManifest.VERSION, "uint16", 50257, 50256, "ab",
                1000, List.of(new ShardManifest.Shard("shard-00000.bin", "shard-00000.idx", 10, 2, "cd")), 10, 2, 37, 3.7);
        assertEquals(m, ShardManifest.fromJson(m.toJson(), "m"));
        String json = new String(m.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"vocab_size\" : 50257") && json.contains("\"eot_id\" : 50256"), json);
        byte[] other = json.replace("\"format_version\" : 1", "\"format_version\" : 2").getBytes(StandardCharsets.UTF_8);
        assertThrows(FormatException.class, () -> ShardManifest.fromJson(other, "m"));
        assertThrows(FormatException.class, () -> ShardManifest.fromJson("{\"shards\": [".getBytes(StandardCharsets.UTF_8), "m"));
    }

    @Test
    void readerConcatenatesShardsInManifestOrderAndSamplesShiftedWindows() throws IOException {
        int[][] shards = {{10, 11, 12, 9}, {13, 14, 9}};
        List<ShardManifest.Shard> listed = new java.util.ArrayList<>();
        for (int s = 0; s < shards.length; s++) {
            try (OutputStream out = Files.newOutputStream(dir.resolve(TokenShards.binName(s)))) {
                TokenShards.writeIds(out, shards[s], 0, shards[s].length, Dtype.UINT16);
            }
            Files.write(dir.resolve(TokenShards.indexName(s)), TokenShards.uint64(shards[s].length));
            listed.add(new ShardManifest.Shard(TokenShards.binName(s), TokenShards.indexName(s), shards[s].length, 1, "x"));
        }
        ShardManifest m = new ShardManifest(ShardManifest.FORMAT, ShardManifest.VERSION, "uint16", 16, 9, "t", 4, listed,
                7, 2, 0, 0);
        Files.write(dir.resolve(ShardManifest.FILE_NAME), m.toJson());
        TokenShards.Reader reader = new TokenShards.Reader(dir);
        int[] stream = {10, 11, 12, 9, 13, 14, 9};
        assertEquals(stream.length, reader.totalTokens());
        for (int i = 0; i < stream.length; i++) {
            assertEquals(stream[i], reader.token(i));
        }
        int[][][] xy = reader.getBatch(new Random(1), 16, 3);
        for (int b = 0; b < 16; b++) {
            for (int t = 0; t + 1 < 3; t++) {
                assertEquals(xy[0][b][t + 1], xy[1][b][t], "y is x shifted by one");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> reader.getBatch(new Random(1), 1, 7));
    }
}

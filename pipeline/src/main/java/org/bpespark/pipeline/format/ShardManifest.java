package org.bpespark.pipeline.format;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.List;

/**
 * {@code manifest.json} of a token-shard directory, written last: its presence means every shard it
 * lists is complete. Field names are snake_case for Python readers.
 *
 * <pre>
 * {
 *   "format": "bpe-spark-token-shards", "format_version": 1,
 *   "dtype": "uint16", "vocab_size": 50257, "eot_id": 50256, "tokenizer_sha256": "…",
 *   "shard_tokens": 100000000,
 *   "shards": [ {"file": "shard-00000.bin", "index": "shard-00000.idx",
 *                "tokens": 123, "documents": 4, "sha256": "…"} ],
 *   "total_tokens": 123, "total_documents": 4, "input_bytes": 456, "bytes_per_token": 3.7
 * }
 * </pre>
 * See {@link TokenShards} for the layout of the {@code .bin} and {@code .idx} files.
 */
public record ShardManifest(
        @JsonProperty("format") String format,
        @JsonProperty("format_version") int formatVersion,
        @JsonProperty("dtype") String dtype,
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("eot_id") int eotId,
        @JsonProperty("tokenizer_sha256") String tokenizerSha256,
        @JsonProperty("shard_tokens") long shardTokens,
        @JsonProperty("shards") List<Shard> shards,
        @JsonProperty("total_tokens") long totalTokens,
        @JsonProperty("total_documents") long totalDocuments,
        @JsonProperty("input_bytes") long inputBytes,
        @JsonProperty("bytes_per_token") double bytesPerToken) {

    public static final String FILE_NAME = "manifest.json";
    public static final String FORMAT = "bpe-spark-token-shards";
    public static final int VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One shard: its token file, its document index, and counts. */
    public record Shard(
            @JsonProperty("file") String file,
            @JsonProperty("index") String index,
            @JsonProperty("tokens") long tokens,
            @JsonProperty("documents") long documents,
            @JsonProperty("sha256") String sha256) implements java.io.Serializable {
    }

    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses a manifest.
     *
     * @throws FormatException if it is not a manifest of a version this code reads
     */
    public static ShardManifest fromJson(byte[] json, String source) throws IOException {
        ShardManifest m;
        try {
            m = MAPPER.readValue(json, ShardManifest.class);
        } catch (JsonProcessingException e) {
            throw new FormatException(source + ": not a valid manifest: " + e.getOriginalMessage(), e);
        }
        if (!FORMAT.equals(m.format()) || m.formatVersion() != VERSION) {
            throw new FormatException(source + ": format " + m.format() + " version " + m.formatVersion()
                    + " is not " + FORMAT + " version " + VERSION);
        }
        TokenShards.Dtype.parse(m.dtype());
        return m;
    }
}

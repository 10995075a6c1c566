package org.bpespark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bpespark.jobs.PipelineDefinition.Stage;
import org.bpespark.jobs.cli.PipelineCli;
import org.bpespark.pipeline.format.ShardManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code conf/pipeline.json}, the definition the Airflow DAG submits, run stage by stage embedded
 * (Spark local[2]); and the DAG's own rendering of it (through {@code conf/airflow/tests/render_args.py})
 * gives the same command lines as {@link PipelineDefinition}, so the DAG runs what this test runs.
 */
class PipelineDefinitionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theStagesRunInOrderOnASmallCorpus() throws IOException {
        PipelineDefinition pipeline = PipelineDefinition.read(repository().resolve("conf/pipeline.json"));
        assertEquals(PipelineCli.class.getName(), pipeline.mainClass());
        assertEquals(List.of("pretokenize", "bpe_merge", "encode_shards"),
                pipeline.stages().stream().map(Stage::id).toList());

        Path root = tmp.resolve("run");
        ObjectNode params = params(List.of(TestData.fixture("tinystories_sample.txt").toString()), 300,
                List.of("<|endoftext|>"), root.toString());
        for (Stage stage : pipeline.stages()) {
            Embedded.run("local[2]", pipeline.commandLine(stage, params).toArray(String[]::new)); // asserts exit 0
        }

        assertTrue(Files.isRegularFile(root.resolve("tokenizer/merges.txt")));
        assertEquals(300 - 256 - 1, Embedded.merges(root.resolve("tokenizer")).size(), "vocab 300 = 256 bytes + merges + 1 special");
        Path manifest = root.resolve("shards/manifest.json");
        assertTrue(Files.isRegularFile(manifest));
        ShardManifest shards = ShardManifest.fromJson(Files.readAllBytes(manifest), manifest.toString());
        assertEquals(300, shards.vocabSize());
        assertTrue(shards.shards().stream().mapToLong(ShardManifest.Shard::tokens).sum() > 0, "no tokens in the shards");
    }

    @Test
    void theDagRendersTheSameCommandLines() throws Exception {
        Path repository = repository();
        PipelineDefinition pipeline = PipelineDefinition.read(repository.resolve("conf/pipeline.json"));
        List<ObjectNode> paramSets = List.of(
                JSON.createObjectNode(), // the definition's defaults
                params(List.of(TestData.fixture("tinystories_sample.txt").toString()), 300, List.of("<|endoftext|>"),
                        tmp.resolve("run").toString()),
                params(List.of("hdfs:///corpora/web text/", "s3a://bucket/part-*.txt.zst", "file:///data/a.jsonl"), 32000,
                        List.of("<|endoftext|>", "<|pad|>", "<|конец|>"), "s3a://bucket/bpe/run 7"));
        for (ObjectNode params : paramSets) {
            Map<String, List<String>> java = new LinkedHashMap<>();
            for (Stage stage : pipeline.stages()) {
                java.put(stage.id(), pipeline.commandLine(stage, params));
            }
            assertEquals(java, renderedByTheDag(repository, params), "params " + params);
        }
    }

    private static ObjectNode params(List<String> corpus, int vocabSize, List<String> specialTokens, String outputRoot) {
        ObjectNode params = JSON.createObjectNode();
        params.set("corpus", JSON.valueToTree(corpus));
        params.put("vocab_size", vocabSize);
        params.set("special_tokens", JSON.valueToTree(specialTokens));
        params.put("output_root", outputRoot);
        return params;
    }

    /** Every stage's command line as the DAG's code renders it (render_args.py, python3 standard library only). */
    private Map<String, List<String>> renderedByTheDag(Path repository, ObjectNode params) throws Exception {
        Path paramsFile = Files.createTempFile(tmp, "params", ".json");
        JSON.writeValue(paramsFile.toFile(), params);
        Path err = tmp.resolve("render_args.err");
        Process p = new ProcessBuilder("python3", "-B", repository.resolve("conf/airflow/tests/render_args.py").toString(),
                repository.resolve("conf/pipeline.json").toString(), paramsFile.toString())
                .redirectError(err.toFile()).start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "render_args.py did not finish");
        assertEquals(0, p.exitValue(), () -> "render_args.py failed: " + read(err));
        return JSON.readValue(output, new TypeReference<LinkedHashMap<String, List<String>>>() { });
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    /** The checkout's root: the nearest folder above the working directory holding conf/pipeline.json. */
    private static Path repository() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("conf/pipeline.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException("conf/pipeline.json not found above " + Path.of("").toAbsolutePath());
    }
}

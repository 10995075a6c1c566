package org.bpespark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * The report of a whole run ({@code report.json} and a readable {@code report.md}): the jobs'
 * reports side by side, plus compression, throughput and what that throughput means for encoding
 * the Pile (825 GB) on N executors.
 */
public final class RunReport {
    static final double PILE_BYTES = 825e9;
    static final int[] EXECUTORS = {1, 8, 64, 512};

    private RunReport() {
    }

    /** Combines the jobs' reports; {@code cores} is the parallelism the encode ran with. */
    public static ObjectNode combine(JsonNode pretokenize, JsonNode merge, JsonNode encode, int cores) {
        ObjectNode r = Metrics.JSON.createObjectNode();
        r.put("input_bytes", pretokenize.path("document_bytes").asLong());
        r.put("documents", pretokenize.path("documents").asLong());
        r.put("unique_pretokens", merge.path("unique_pretokens").asLong());
        r.put("vocab_size", merge.path("vocab_size").asInt());
        r.put("merges_per_second", merge.path("merges_per_second").asLong());
        r.set("longest_tokens", merge.path("longest_tokens"));
        long peak = Math.max(pretokenize.path("peak_driver_heap_bytes").asLong(), merge.path("peak_driver_heap_bytes").asLong());
        if (encode != null) {
            peak = Math.max(peak, encode.path("peak_driver_heap_bytes").asLong());
            double mbPerS = encode.path("encode_mb_per_s").asDouble();
            r.put("tokens", encode.path("tokens").asLong());
            r.put("bytes_per_token", encode.path("bytes_per_token").asDouble());
            r.put("encode_mb_per_s", mbPerS);
            r.put("encode_cores", cores);
            double perCore = mbPerS / Math.max(1, cores);
            r.put("encode_mb_per_s_per_core", perCore);
            ObjectNode pile = r.putObject("pile_825gb_projection_hours");
            for (int n : EXECUTORS) {
                // one core per executor at the measured per-core rate; encoding scales with no shuffle
                pile.put(n + "_executors", perCore <= 0 ? 0 : PILE_BYTES / (perCore * 1e6 * n) / 3600);
            }
        }
        r.put("peak_driver_heap_bytes", peak);
        ObjectNode jobs = r.putObject("jobs");
        jobs.set("pretokenize", pretokenize);
        jobs.set("bpe_merge", merge);
        if (encode != null) {
            jobs.set("encode_shards", encode);
        }
        return r;
    }

    /** A Markdown rendering of a combined report. */
    public static String markdown(JsonNode r) {
        StringBuilder md = new StringBuilder("# Run report\n\n| what | value |\n|---|---|\n");
        row(md, "input", String.format(Locale.ROOT, "%,d bytes, %,d documents", r.path("input_bytes").asLong(),
                r.path("documents").asLong()));
        row(md, "unique pre-tokens", String.format(Locale.ROOT, "%,d", r.path("unique_pretokens").asLong()));
        row(md, "vocabulary", String.format(Locale.ROOT, "%,d", r.path("vocab_size").asInt()));
        row(md, "merges/s", String.format(Locale.ROOT, "%,d", r.path("merges_per_second").asLong()));
        row(md, "peak driver heap", String.format(Locale.ROOT, "%.1f MiB", r.path("peak_driver_heap_bytes").asLong() / 1048576.0));
        if (r.has("tokens")) {
            row(md, "tokens", String.format(Locale.ROOT, "%,d", r.path("tokens").asLong()));
            row(md, "compression", String.format(Locale.ROOT, "%.3f bytes/token", r.path("bytes_per_token").asDouble()));
            row(md, "encode throughput", String.format(Locale.ROOT, "%.2f MB/s on %d cores (%.2f MB/s per core)",
                    r.path("encode_mb_per_s").asDouble(), r.path("encode_cores").asInt(),
                    r.path("encode_mb_per_s_per_core").asDouble()));
            for (Iterator<Map.Entry<String, JsonNode>> it = r.path("pile_825gb_projection_hours").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                row(md, "encode the Pile (825 GB), " + e.getKey().replace('_', ' ') + " (1 core each)",
                        String.format(Locale.ROOT, "%.1f h", e.getValue().asDouble()));
            }
        }
        md.append("\n## Phase timings (ms)\n\n| job | phase | ms |\n|---|---|---|\n");
        for (Iterator<Map.Entry<String, JsonNode>> jobs = r.path("jobs").fields(); jobs.hasNext(); ) {
            Map.Entry<String, JsonNode> job = jobs.next();
            for (Iterator<Map.Entry<String, JsonNode>> p = job.getValue().path("phases").fields(); p.hasNext(); ) {
                Map.Entry<String, JsonNode> phase = p.next();
                md.append("| ").append(job.getKey()).append(" | ").append(phase.getKey().replace("_ms", ""))
                        .append(" | ").append(phase.getValue().asLong()).append(" |\n");
            }
        }
        md.append("\n## Longest tokens\n\n| id | bytes | text |\n|---|---|---|\n");
        for (JsonNode t : (ArrayNode) r.path("longest_tokens")) {
            md.append("| ").append(t.path("id").asInt()).append(" | ").append(t.path("length").asInt()).append(" | `")
                    .append(t.path("text").asText().replace("|", "\\|").replace("\n", "\\n").replace("`", "'"))
                    .append("` |\n");
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String what, String value) {
        md.append("| ").append(what).append(" | ").append(value).append(" |\n");
    }
}

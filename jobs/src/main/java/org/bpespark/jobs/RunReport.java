package org.bpespark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
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
            r.set("pile_825gb_projection_hours", pileProjection(perCore));
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

    /**
     * Hours to encode the Pile (825 GB) at a measured per-core rate on 1, 8, 64 and 512 one-core
     * executors: encoding has no shuffle, so it scales with executors until storage limits it.
     */
    public static ObjectNode pileProjection(double mbPerSecondPerCore) {
        ObjectNode pile = Metrics.JSON.createObjectNode();
        for (int n : EXECUTORS) {
            pile.put(n + "_executors", mbPerSecondPerCore <= 0 ? 0 : PILE_BYTES / (mbPerSecondPerCore * 1e6 * n) / 3600);
        }
        return pile;
    }

    /** Writes a job's {@code report.json} and a readable {@code report.md} into its output. */
    public static void write(org.bpespark.jobs.io.AtomicOutput out, String title, JsonNode report)
            throws java.io.IOException {
        out.writeFile("report.json", Metrics.JSON.writeValueAsBytes(report));
        out.writeFile("report.md", jobMarkdown(title, report));
    }

    /** A job's report as Markdown: its figures, phase timings, longest tokens and projections. */
    static String jobMarkdown(String title, JsonNode report) {
        StringBuilder md = new StringBuilder("# " + title + "\n\n| what | value |\n|---|---|\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = report.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isValueNode()) {
                row(md, e.getKey().replace('_', ' '), e.getValue().isFloatingPointNumber()
                        ? String.format(Locale.ROOT, "%.3f", e.getValue().asDouble()) : e.getValue().asText());
            } else if (e.getValue().isArray() && e.getValue().size() > 0 && e.getValue().get(0).isValueNode()) {
                row(md, e.getKey().replace('_', ' '), e.getValue().toString());
            }
        }
        pileRows(md, report.path("pile_825gb_projection_hours"));
        md.append("\n## Phase timings (ms)\n\n| phase | ms |\n|---|---|\n");
        for (Iterator<Map.Entry<String, JsonNode>> p = report.path("phases").fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> phase = p.next();
            md.append("| ").append(phase.getKey().replace("_ms", "")).append(" | ").append(phase.getValue().asLong())
                    .append(" |\n");
        }
        if (report.has("longest_tokens")) {
            longestTokens(md, report.path("longest_tokens"));
        }
        return md.toString();
    }

    private static void pileRows(StringBuilder md, JsonNode projection) {
        for (Iterator<Map.Entry<String, JsonNode>> it = projection.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            row(md, "encode the Pile (825 GB), " + e.getKey().replace('_', ' ') + " (1 core each)",
                    String.format(Locale.ROOT, "%.1f h", e.getValue().asDouble()));
        }
    }

    private static void longestTokens(StringBuilder md, JsonNode tokens) {
        md.append("\n## Longest tokens\n\n| id | bytes | text |\n|---|---|---|\n");
        for (JsonNode t : tokens) {
            md.append("| ").append(t.path("id").asInt()).append(" | ").append(t.path("length").asInt()).append(" | `")
                    .append(t.path("text").asText().replace("|", "\\|").replace("\n", "\\n").replace("`", "'"))
                    .append("` |\n");
        }
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
            pileRows(md, r.path("pile_825gb_projection_hours"));
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
        longestTokens(md, r.path("longest_tokens"));
        return md.toString();
    }

    private static void row(StringBuilder md, String what, String value) {
        md.append("| ").append(what).append(" | ").append(value).append(" |\n");
    }
}

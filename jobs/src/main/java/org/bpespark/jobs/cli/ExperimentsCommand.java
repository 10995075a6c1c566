package org.bpespark.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpespark.jobs.experiments.Experiments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The tokenizer experiments with the engine alone (no Spark): see {@link Experiments}. */
@Command(name = "experiments", mixinStandardHelpOptions = true,
        description = "Train a TinyStories-like (10,000) and a web-like (32,000) tokenizer with the engine (no Spark), then "
                + "write experiments.json: cross-domain compression, encode throughput, longest tokens, token-length "
                + "histograms, vocabulary overlap, merge count vs rank, and the raw arrays (.bin) the notebooks plot.")
final class ExperimentsCommand implements Callable<Integer> {
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Where to write experiments.json, *.bin and tokenizers/.")
    Path output;

    @Option(names = "--corpora-dir", paramLabel = "DIR",
            description = "The corpora (default: ../shared/corpora next to the repository).")
    Path corporaDir;

    @Option(names = "--quick", description = "2 MB slices and vocabularies of 2,000 and 4,000 (for CI; well under a minute).")
    boolean quick;

    @Option(names = "--overwrite", description = "Replace the results of an earlier run in --output.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        Path corpora = corporaDir != null ? corporaDir
                : Path.of(System.getProperty("bpe.home", "."), "..", "shared", "corpora").normalize();
        if (!Files.isDirectory(corpora)) {
            throw new IllegalArgumentException("the corpora folder " + corpora + " is not there (--corpora-dir)");
        }
        if (Files.exists(output.resolve(Experiments.JSON_FILE)) && !overwrite) {
            throw new IllegalArgumentException(output.resolve(Experiments.JSON_FILE) + " exists; use --overwrite to replace it");
        }
        Experiments.Settings settings = quick ? Experiments.Settings.quick(corpora) : Experiments.Settings.full(corpora);
        JsonNode report = Experiments.run(settings, output, System.err);

        System.out.println("compression (bytes/token; rows: tokenizer, columns: corpus):");
        JsonNode ratio = report.path("compression").path("bytes_per_token");
        for (Iterator<Map.Entry<String, JsonNode>> rows = ratio.fields(); rows.hasNext(); ) {
            Map.Entry<String, JsonNode> row = rows.next();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-12s", row.getKey()));
            row.getValue().fields().forEachRemaining(cell -> line.append(String.format(Locale.ROOT, "  %s %.3f",
                    cell.getKey(), cell.getValue().asDouble())));
            System.out.println(line);
        }
        for (JsonNode overlap : report.path("overlap")) {
            System.out.printf(Locale.ROOT, "overlap %s/%s: %,d shared tokens, Jaccard %.3f%n", overlap.path("a").asText(),
                    overlap.path("b").asText(), overlap.path("shared").asInt(), overlap.path("jaccard").asDouble());
        }
        System.out.println();
        System.out.println("report:     " + output.resolve(Experiments.JSON_FILE));
        System.out.println("arrays:     " + output + "/*.bin  (little-endian, dtypes listed under \"arrays\" in the report)");
        System.out.println("tokenizers: " + output.resolve(Experiments.TOKENIZERS) + "/<name>/  (vocab.json, merges.txt, tokenizer.json)");
        System.out.println("notebook:   EXPERIMENTS_DIR=" + output + " jupyter nbconvert --to notebook --execute "
                + "notebooks-export/experiments.ipynb");
        return 0;
    }
}

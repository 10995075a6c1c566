package org.bpespark.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bpespark.jobs.io.AtomicOutput;
import org.bpespark.jobs.io.BadInputException;
import org.bpespark.jobs.io.Documents;
import org.bpespark.jobs.io.InputFiles;
import org.bpespark.pipeline.PreTokenCounter;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * Job 1: read documents → split on special tokens → pre-tokenize → count (map-side combine per
 * partition, then a reduce by pre-token) → write {@code pretokens/} (Parquet: {@code token} binary,
 * {@code count} long) and {@code stats.json}.
 */
public final class PretokenizeJob {
    public static final String TABLE = "pretokens";
    public static final String STATS = "stats.json";
    /** A partition's counter is flushed downstream when it holds this many distinct pre-tokens. */
    private static final int FLUSH_DISTINCT = 1 << 20;

    static final StructType SCHEMA = new StructType()
            .add("token", DataTypes.BinaryType, false)
            .add("count", DataTypes.LongType, false);

    public record Options(List<String> inputs, String output, List<String> specialTokens,
                          Documents.Options read, boolean overwrite) {
    }

    private PretokenizeJob() {
    }

    /** Runs the job and returns its stats (also written to {@code stats.json}). */
    public static ObjectNode run(SparkSession spark, Options o) throws IOException {
        Metrics metrics = new Metrics();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = sc.hadoopConfiguration();
        List<Path> files = InputFiles.expand(o.inputs(), conf);
        AtomicOutput out = AtomicOutput.create(o.output(), o.overwrite(), conf);
        try {
            Documents documents = new Documents(sc, o.read());
            List<String> specials = o.specialTokens();
            JavaRDD<Documents.Piece> docs = documents.read(sc, files, specials, false);
            JavaRDD<Row> partial = docs.mapPartitions(it -> countPartition(it, specials));
            Dataset<Row> counts = spark.createDataFrame(partial, SCHEMA)
                    .groupBy("token").agg(functions.sum("count").as("count"));
            String table = new Path(out.staging(), TABLE).toString();
            metrics.time("count_and_write", () -> {
                counts.write().parquet(table);
                return null;
            });
            Row totals = spark.read().parquet(table)
                    .agg(functions.count("*"), functions.sum("count")).first();
            long distinct = totals.getLong(0);
            long total = totals.isNullAt(1) ? 0 : totals.getLong(1);
            ObjectNode stats = Metrics.JSON.createObjectNode();
            stats.put("job", "pretokenize");
            stats.putPOJO("inputs", o.inputs());
            stats.put("input_files", files.size());
            stats.put("input_file_bytes", InputFiles.totalBytes(files, conf));
            stats.put("documents", documents.documentCount());
            stats.put("document_bytes", documents.documentBytes());
            stats.put("invalid_utf8_documents", documents.invalidUtf8Documents());
            stats.put("skipped_records", documents.skippedRecords());
            stats.putPOJO("special_tokens", specials);
            stats.put("distinct_pretokens", distinct);
            stats.put("total_pretokens", total);
            stats.set("phases", metrics.phases());
            stats.put("peak_driver_heap_bytes", PeakHeap.bytes());
            if (documents.documentCount() == 0) {
                throw new BadInputException("the input holds no text: " + o.inputs());
            }
            out.writeFile(STATS, Metrics.JSON.writeValueAsBytes(stats));
            RunReport.write(out, "pretokenize report", stats);
            out.commit();
            return stats;
        } catch (Throwable e) {
            // Not just IOException | RuntimeException: Spark throws its checked SparkException undeclared.
            out.abort();
            throw e;
        }
    }

    /**
     * The map side: counts one partition's pre-tokens, flushing when the map grows large. Pieces of a
     * long document are counted one by one: they are cut where that gives the whole's pre-tokens.
     */
    static java.util.Iterator<Row> countPartition(java.util.Iterator<Documents.Piece> docs, List<String> specials) {
        PreTokenCounter counter = new PreTokenCounter(new SpecialTokens(specials));
        List<Row> rows = new ArrayList<>();
        while (docs.hasNext()) {
            byte[] doc = docs.next().bytes();
            counter.add(doc, 0, doc.length);
            if (counter.distinct() >= FLUSH_DISTINCT) {
                counter.forEach((token, count) -> rows.add(RowFactory.create(token, count)));
                counter.clear();
            }
        }
        counter.forEach((token, count) -> rows.add(RowFactory.create(token, count)));
        return rows.iterator();
    }
}

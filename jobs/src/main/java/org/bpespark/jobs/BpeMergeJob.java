package org.bpespark.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.experiments.VocabStats;
import org.bpespark.jobs.io.AtomicOutput;
import org.bpespark.jobs.io.BadInputException;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.BpeTrainer;
import org.bpespark.pipeline.Tokenizer;
import org.bpespark.pipeline.format.ByteLevel;
import org.bpespark.pipeline.format.TokenizerFiles;
import scala.Tuple2;

/**
 * Job 2: the pre-token table → words as symbol ids (on executors; when resuming, encoded with the
 * checkpoint's merges, broadcast) → pair counts by map-reduce → the engine's incremental merge loop
 * on the driver (one Spark job per merge would cost 50–100 ms each) → {@code merges.txt},
 * {@code vocab.json}, {@code tokenizer.json}, {@code report.json}.
 */
public final class BpeMergeJob {
    public static final String REPORT = "report.json";

    public record Options(String input, int vocabSize, String output, List<String> specialTokens, boolean overwrite,
                          String checkpointDir, int checkpointEveryMerges, long checkpointEverySeconds,
                          boolean resume) {
        /** The checkpoint folder: given, or next to the output. */
        String checkpoint() {
            return checkpointDir != null ? checkpointDir : output.replaceAll("/+$", "") + ".checkpoint";
        }
    }

    private BpeMergeJob() {
    }

    public static ObjectNode run(SparkSession spark, Options o) throws IOException {
        PeakHeap.reset();
        Metrics metrics = new Metrics();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = sc.hadoopConfiguration();
        BpeTrainer trainer = new BpeTrainer(o.vocabSize(), o.specialTokens()); // validates the size first
        Path table = new Path(o.input(), PretokenizeJob.TABLE);
        if (!table.getFileSystem(conf).exists(table)) {
            throw new BadInputException("no pre-token table at " + table + " (run pretokenize first)");
        }
        AtomicOutput out = AtomicOutput.create(o.output(), o.overwrite(), conf);
        try {
            ObjectNode meta = Metrics.JSON.createObjectNode();
            meta.put("vocab_size", o.vocabSize());
            meta.putPOJO("special_tokens", o.specialTokens());
            meta.put("input", table.getFileSystem(conf).makeQualified(table).toString());
            Path checkpointDir = new Path(o.checkpoint());
            List<Merge> prior = o.resume() ? MergeCheckpoint.read(checkpointDir, conf, meta) : List.of();
            Broadcast<List<Merge>> priorMerges = sc.broadcast(prior);

            JavaRDD<Tuple2<int[], Long>> words = metrics.time("read", () -> spark.read().parquet(table.toString())
                    .javaRDD().mapPartitions(rows -> toWords(rows, priorMerges.value()))
                    .filter(w -> w._1().length > 1) // a single symbol has no pair: it cannot take part in merges
                    .cache());
            Long2LongOpenHashMap pairCounts = metrics.time("pair_count", () -> countPairs(words));
            List<Tuple2<int[], Long>> collected = metrics.time("collect", words::collect);
            words.unpersist();
            long uniquePreTokens = spark.read().parquet(table.toString()).count();
            int[][] symbols = new int[collected.size()][];
            long[] counts = new long[collected.size()];
            for (int i = 0; i < symbols.length; i++) {
                symbols[i] = collected.get(i)._1();
                counts[i] = collected.get(i)._2();
            }
            collected = null;

            MergeCheckpoint checkpoint = new MergeCheckpoint(checkpointDir, conf, meta, prior,
                    o.checkpointEveryMerges(), o.checkpointEverySeconds());
            long loopStart = System.nanoTime();
            BpeModel model = trainer.onMerge(checkpoint).resume(prior, symbols, counts, pairCounts);
            double loopSeconds = (System.nanoTime() - loopStart) / 1e9;
            metrics.phases().put("merge_loop_ms", Math.round(loopSeconds * 1000));
            symbols = null;

            long writeStart = System.nanoTime();
            for (Map.Entry<String, byte[]> file : TokenizerFiles.serialize(model).entrySet()) {
                out.writeFile(file.getKey(), file.getValue());
            }
            int newMerges = model.mergeCount() - prior.size();
            ObjectNode report = Metrics.JSON.createObjectNode();
            report.put("job", "bpe-merge");
            report.put("input", o.input());
            report.put("vocab_size_requested", o.vocabSize());
            report.put("vocab_size", model.vocabSize());
            report.putPOJO("special_tokens", o.specialTokens());
            report.put("unique_pretokens", uniquePreTokens);
            report.put("words_with_pairs", counts.length);
            report.put("merges", model.mergeCount());
            report.put("merges_resumed_from_checkpoint", prior.size());
            report.put("merges_per_second", loopSeconds > 0 ? Math.round(newMerges / loopSeconds) : 0);
            report.put("peak_driver_heap_bytes", PeakHeap.bytes());
            report.set("longest_tokens", new VocabStats(model).longestTokens(10));
            metrics.phases().put("write_ms", (System.nanoTime() - writeStart) / 1_000_000);
            report.set("phases", metrics.phases());
            RunReport.write(out, "bpe-merge report", report);
            out.commit();
            checkpoint.delete();
            return report;
        } catch (Throwable e) {
            // Not just IOException | RuntimeException: Spark throws its checked SparkException undeclared.
            out.abort();
            throw e;
        }
    }

    /** Rows (token bytes, count) → (symbol ids, count), applying prior merges when resuming. */
    private static java.util.Iterator<Tuple2<int[], Long>> toWords(java.util.Iterator<Row> rows, List<Merge> prior) {
        Tokenizer tokenizer = prior.isEmpty() ? null : new Tokenizer(BpeModel.of(prior, List.of()));
        return new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Tuple2<int[], Long> next() {
                Row row = rows.next();
                byte[] token = (byte[]) row.get(0);
                int[] symbols;
                if (tokenizer != null) {
                    symbols = tokenizer.encodeWord(token);
                } else {
                    symbols = new int[token.length];
                    for (int i = 0; i < token.length; i++) {
                        symbols[i] = ByteLevel.idOfByte(token[i]);
                    }
                }
                return new Tuple2<>(symbols, row.getLong(1));
            }
        };
    }

    /**
     * Adjacent-pair counts over all words, weighted by word counts: combined per partition in a
     * primitive map (a word table has ~6 pairs per word, most of them repeated), reduced by pair.
     */
    private static Long2LongOpenHashMap countPairs(JavaRDD<Tuple2<int[], Long>> words) {
        JavaPairRDD<Long, Long> pairs = words.mapPartitionsToPair(it -> {
            Long2LongOpenHashMap local = new Long2LongOpenHashMap();
            while (it.hasNext()) {
                Tuple2<int[], Long> w = it.next();
                int[] s = w._1();
                for (int i = 0; i + 1 < s.length; i++) {
                    local.addTo(((long) s[i] << 32) | (s[i + 1] & 0xFFFFFFFFL), w._2());
                }
            }
            List<Tuple2<Long, Long>> out = new ArrayList<>(local.size());
            local.long2LongEntrySet().fastForEach(e -> out.add(new Tuple2<>(e.getLongKey(), e.getLongValue())));
            return out.iterator();
        }).reduceByKey(Long::sum);
        Long2LongOpenHashMap counts = new Long2LongOpenHashMap();
        pairs.collect().forEach(p -> counts.put(p._1().longValue(), p._2().longValue()));
        return counts;
    }
}

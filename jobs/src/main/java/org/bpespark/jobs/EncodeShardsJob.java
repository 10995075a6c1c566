package org.bpespark.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.io.AtomicOutput;
import org.bpespark.jobs.io.BadInputException;
import org.bpespark.jobs.io.Documents;
import org.bpespark.jobs.io.InputFiles;
import org.bpespark.jobs.io.OutputFs;
import org.bpespark.jobs.io.SerializableConf;
import org.bpespark.pipeline.BpeModel;
import org.bpespark.pipeline.Tokenizer;
import org.bpespark.pipeline.format.ShardManifest;
import org.bpespark.pipeline.format.TokenShards;
import org.bpespark.pipeline.format.TokenShards.Dtype;
import org.bpespark.pipeline.format.TokenizerFiles;

/**
 * Job 3: broadcast the tokenizer → encode each partition's documents on the executors (each
 * followed by EOT) into a work file → cut the global token stream into shards at document
 * boundaries ({@link TokenShards}) and assemble each shard from the work files → write
 * {@code manifest.json} last and commit the folder atomically.
 *
 * <p>Shard contents depend only on the documents in input order and {@code --shard-tokens}, so
 * any number of executors, partitions or split sizes gives byte-identical shards.
 */
public final class EncodeShardsJob {
    private static final String WORK = "_work";
    private static final ThreadLocal<Tokenizer> THREAD_TOKENIZER = new ThreadLocal<>();

    public record Options(String tokenizer, List<String> inputs, String output, long shardTokens, Dtype dtype,
                          List<String> specialTokens, Documents.Options read, boolean overwrite) {
    }

    /** What encoding one partition produced. */
    record Part(int partition, long documents, long tokens, long bytes) implements Serializable {
    }

    /** A shard to assemble: documents starting in tokens [from, to) of the stream, from these partitions. */
    record ShardTask(int number, long from, long to, List<long[]> partitions) implements Serializable {
    }

    private EncodeShardsJob() {
    }

    public static ObjectNode run(SparkSession spark, Options o) throws IOException {
        PeakHeap.reset();
        Metrics metrics = new Metrics();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = sc.hadoopConfiguration();
        if (o.shardTokens() <= 0) {
            throw new IllegalArgumentException("--shard-tokens must be positive, got " + o.shardTokens());
        }
        BpeModel model = HadoopTokenizerDir.load(o.tokenizer(), conf);
        o.dtype().requireFits(model.vocabSize());
        for (String s : o.specialTokens()) {
            if (model.specialId(s) < 0) {
                throw new BadInputException("special token " + s + " is not in the tokenizer at " + o.tokenizer()
                        + " (it has " + model.specialTokens() + ")");
            }
        }
        String eotToken = o.specialTokens().isEmpty() ? firstSpecial(model, o.tokenizer()) : o.specialTokens().get(0);
        int eot = model.specialId(eotToken);
        List<Path> files = InputFiles.expand(o.inputs(), conf);
        AtomicOutput out = AtomicOutput.create(o.output(), o.overwrite(), conf);
        try {
            Path work = new Path(out.staging(), WORK);
            Documents documents = new Documents(sc, withSeparator(o.read(), eotToken));
            JavaRDD<Documents.Piece> docs = documents.read(sc, files, model.specialTokens(), true);
            Broadcast<BpeModel> broadcastModel = sc.broadcast(model);
            Broadcast<SerializableConf> hadoop = documents.hadoopConf();
            boolean specialsInText = documents.specialsInText();
            Dtype dtype = o.dtype();
            String workDir = work.toString();
            List<Part> parts = metrics.time("encode", () -> docs.mapPartitionsWithIndex((p, it) ->
                    List.of(encodePartition(p, it, broadcastModel.value(), specialsInText, eot, dtype,
                            new Path(workDir), hadoop.value().get())).iterator(), true).collect());
            List<Part> ordered = new ArrayList<>(parts);
            ordered.sort(java.util.Comparator.comparingInt(Part::partition));
            long totalTokens = ordered.stream().mapToLong(Part::tokens).sum();
            long totalDocs = ordered.stream().mapToLong(Part::documents).sum();
            long inputBytes = ordered.stream().mapToLong(Part::bytes).sum();
            if (totalDocs == 0) {
                throw new BadInputException("the input holds no documents: " + o.inputs());
            }
            List<ShardTask> tasks = plan(ordered, o.shardTokens());
            List<ShardManifest.Shard> written = metrics.time("assemble", () -> sc.parallelize(tasks, tasks.size())
                    .map(t -> assemble(t, dtype, new Path(workDir), hadoop.value().get())).collect());
            FileSystem fs = out.fileSystem();
            fs.delete(work, true);
            List<ShardManifest.Shard> shards = renumber(written, out.staging(), fs);
            String tokenizerSha = sha256(TokenizerFiles.serialize(model).get(TokenizerFiles.TOKENIZER_JSON));
            ShardManifest manifest = new ShardManifest(ShardManifest.FORMAT, ShardManifest.VERSION, dtype.numpyName(),
                    model.vocabSize(), eot, tokenizerSha, o.shardTokens(), shards, totalTokens, totalDocs, inputBytes,
                    totalTokens == 0 ? 0 : (double) inputBytes / totalTokens);
            ObjectNode report = Metrics.JSON.createObjectNode();
            report.put("job", "encode-shards");
            report.put("documents", totalDocs);
            report.put("tokens", totalTokens);
            report.put("input_bytes", inputBytes);
            report.put("bytes_per_token", manifest.bytesPerToken());
            report.put("shards", shards.size());
            report.put("invalid_utf8_documents", documents.invalidUtf8Documents());
            report.put("skipped_records", documents.skippedRecords());
            report.set("phases", metrics.phases());
            long encodeMs = metrics.phases().path("encode_ms").asLong();
            double mbPerS = encodeMs == 0 ? 0 : inputBytes / 1e6 / (encodeMs / 1000.0);
            int cores = Math.max(1, Math.min(sc.defaultParallelism(), parts.size()));
            report.put("encode_mb_per_s", mbPerS);
            report.put("encode_cores", cores);
            report.set("pile_825gb_projection_hours", RunReport.pileProjection(mbPerS / cores));
            report.put("peak_driver_heap_bytes", PeakHeap.bytes());
            RunReport.write(out, "encode-shards report", report);
            out.writeFile(ShardManifest.FILE_NAME, manifest.toJson()); // last: its presence marks a complete set
            out.commit();
            return report;
        } catch (Throwable e) {
            // Not just IOException | RuntimeException: Spark throws its checked SparkException undeclared.
            out.abort();
            throw e;
        }
    }

    private static String firstSpecial(BpeModel model, String dir) {
        if (model.specialTokens().isEmpty()) {
            throw new BadInputException("the tokenizer at " + dir + " has no special token to end documents with");
        }
        return model.specialId("<|endoftext|>") >= 0 ? "<|endoftext|>" : model.specialTokens().get(0);
    }

    private static Documents.Options withSeparator(Documents.Options read, String separator) {
        return new Documents.Options(read.format(), read.textField(), separator, read.strictUtf8(),
                read.skipBadRecords(), read.maxSplitBytes());
    }

    private static String partName(int partition, String suffix) {
        return String.format("part-%05d.%s", partition, suffix);
    }

    /**
     * Encodes one partition into {@code part-N.tokens} (ids) and {@code part-N.lengths} (uint64 per
     * document). A long document comes in pieces cut where encoding them one by one gives the ids of
     * the whole; its EOT and length follow its last piece.
     */
    private static Part encodePartition(int partition, Iterator<Documents.Piece> pieces, BpeModel model,
                                        boolean specialsInText, int eot, Dtype dtype, Path work, Configuration conf)
            throws IOException {
        Tokenizer tokenizer = tokenizerFor(model);
        FileSystem fs = OutputFs.of(work, conf);
        String attempt = ".attempt-" + TaskContext.get().taskAttemptId();
        Path tokensTmp = new Path(work, partName(partition, "tokens") + attempt);
        Path lengthsTmp = new Path(work, partName(partition, "lengths") + attempt);
        long documents = 0;
        long tokens = 0;
        long bytes = 0;
        long documentTokens = 0;
        IntArrayList ids = new IntArrayList();
        try (OutputStream tokenOut = new BufferedOutputStream(fs.create(tokensTmp, true), 1 << 20);
             OutputStream lengthOut = new BufferedOutputStream(fs.create(lengthsTmp, true), 1 << 16)) {
            TokenShards.IdWriter idWriter = new TokenShards.IdWriter(tokenOut, dtype);
            while (pieces.hasNext()) {
                Documents.Piece piece = pieces.next();
                byte[] text = piece.bytes();
                ids.clear();
                if (specialsInText) {
                    tokenizer.encode(text, 0, text.length, ids);
                } else {
                    tokenizer.encodeOrdinary(text, 0, text.length, ids);
                }
                if (piece.last()) {
                    ids.add(eot);
                }
                idWriter.write(ids.elements(), 0, ids.size());
                documentTokens += ids.size();
                tokens += ids.size();
                bytes += text.length;
                if (piece.last()) {
                    lengthOut.write(TokenShards.uint64(documentTokens));
                    documents++;
                    documentTokens = 0;
                }
            }
        }
        commitRename(fs, tokensTmp, new Path(work, partName(partition, "tokens")));
        commitRename(fs, lengthsTmp, new Path(work, partName(partition, "lengths")));
        return new Part(partition, documents, tokens, bytes);
    }

    /**
     * The executor thread's tokenizer for the broadcast model. Task threads are pooled and the
     * broadcast value is one object per executor, so a thread keeps its tokenizer, and the
     * tokenizer its cache of frequent pre-tokens, from one partition to the next: a new tokenizer
     * per partition started every partition with an empty cache (measured: 0.12x the one-thread
     * encoder's speed on 48 MB in 6 partitions).
     */
    private static Tokenizer tokenizerFor(BpeModel model) {
        Tokenizer tokenizer = THREAD_TOKENIZER.get();
        if (tokenizer == null || tokenizer.model() != model) {
            tokenizer = new Tokenizer(model);
            THREAD_TOKENIZER.set(tokenizer);
        }
        return tokenizer;
    }

    /** Renames a task attempt's file to its final name; a retried attempt wrote the same bytes. */
    private static void commitRename(FileSystem fs, Path from, Path to) throws IOException {
        fs.delete(to, false);
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to);
        }
    }

    /** Shards k = 0.. over the stream: documents whose first token lies in [k·N, (k+1)·N). */
    static List<ShardTask> plan(List<Part> parts, long shardTokens) {
        long total = parts.stream().mapToLong(Part::tokens).sum();
        List<ShardTask> tasks = new ArrayList<>();
        for (long k = 0; k * shardTokens < total; k++) {
            long from = k * shardTokens;
            long to = Math.min(from + shardTokens, total);
            List<long[]> sources = new ArrayList<>();
            long start = 0;
            for (Part p : parts) {
                long end = start + p.tokens();
                if (start < to && end > from) {
                    sources.add(new long[] {p.partition(), start});
                }
                start = end;
            }
            tasks.add(new ShardTask((int) k, from, to, sources));
        }
        return tasks;
    }

    /** Copies the documents of one shard out of the partitions' work files. */
    private static ShardManifest.Shard assemble(ShardTask task, Dtype dtype, Path work, Configuration conf)
            throws IOException, NoSuchAlgorithmException {
        FileSystem fs = OutputFs.of(work, conf);
        Path dir = work.getParent();
        String bin = "k" + task.number() + ".bin";
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long shardTokens = 0;
        long shardDocs = 0;
        try (OutputStream binOut = new DigestOutputStream(
                new BufferedOutputStream(fs.create(new Path(dir, bin), true), 1 << 20), sha);
             OutputStream idxOut = new BufferedOutputStream(fs.create(new Path(dir, "k" + task.number() + ".idx"), true))) {
            for (long[] source : task.partitions()) {
                int partition = (int) source[0];
                long position = source[1];
                long firstLocal = -1;
                long endLocal = -1;
                long local = 0;
                try (DataInputStream lengths = new DataInputStream(new java.io.BufferedInputStream(
                        fs.open(new Path(work, partName(partition, "lengths"))), 1 << 16))) {
                    for (long n; (n = readUint64(lengths)) >= 0; ) {
                        long globalStart = position + local;
                        if (globalStart >= task.to()) {
                            break;
                        }
                        if (globalStart >= task.from()) {
                            if (firstLocal < 0) {
                                firstLocal = local;
                            }
                            endLocal = local + n;
                            shardTokens += n;
                            shardDocs++;
                            idxOut.write(TokenShards.uint64(shardTokens));
                        }
                        local += n;
                    }
                }
                if (firstLocal >= 0) {
                    copyRange(fs, new Path(work, partName(partition, "tokens")), firstLocal * dtype.bytes,
                            (endLocal - firstLocal) * dtype.bytes, binOut);
                }
            }
        }
        return new ShardManifest.Shard(bin, "k" + task.number() + ".idx", shardTokens, shardDocs,
                HexFormat.of().formatHex(sha.digest()));
    }

    /** Next little-endian uint64, or -1 at the end of the stream. */
    private static long readUint64(DataInputStream in) throws IOException {
        byte[] b = new byte[8];
        int read = in.readNBytes(b, 0, 8);
        if (read == 0) {
            return -1;
        }
        if (read < 8) {
            throw new IOException("truncated document-length work file");
        }
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void copyRange(FileSystem fs, Path file, long offset, long length, OutputStream out) throws IOException {
        byte[] buf = new byte[1 << 20];
        try (FSDataInputStream in = fs.open(file)) {
            in.seek(offset);
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(file + " ended " + left + " bytes early");
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    /** Drops empty shards and names the rest shard-00000.. in stream order. */
    private static List<ShardManifest.Shard> renumber(List<ShardManifest.Shard> written, Path dir, FileSystem fs)
            throws IOException {
        List<ShardManifest.Shard> shards = new ArrayList<>();
        for (ShardManifest.Shard s : written) {
            if (s.documents() == 0) {
                fs.delete(new Path(dir, s.file()), false);
                fs.delete(new Path(dir, s.index()), false);
                continue;
            }
            int n = shards.size();
            fs.rename(new Path(dir, s.file()), new Path(dir, TokenShards.binName(n)));
            fs.rename(new Path(dir, s.index()), new Path(dir, TokenShards.indexName(n)));
            shards.add(new ShardManifest.Shard(TokenShards.binName(n), TokenShards.indexName(n), s.tokens(),
                    s.documents(), s.sha256()));
        }
        return shards;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package org.bpespark.jobs.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.Closeable;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.function.IntFunction;
import java.util.function.LongPredicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.NullWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CodecPool;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.Decompressor;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.bpespark.pipeline.text.SafeCuts;
import org.bpespark.pipeline.text.SpecialTokens;
import org.bpespark.pipeline.text.Utf8;
import scala.Tuple2;

/**
 * Reads a corpus as an RDD of documents (UTF-8 bytes, long text documents in pieces) in input order:
 * partitions follow the sorted file list and each file's splits in offset order, documents inside a
 * partition follow the file. That order is what makes the token shards independent of how the input
 * was split. Counting, which needs no order, may ask for a compressed file to be spread over several
 * partitions instead ({@link Stride}).
 *
 * <ul>
 *   <li>{@code text}: documents separated by a special token (plain, {@code .gz}, {@code .zst}),
 *       read by {@link TextDocumentReader} in pieces of a few MiB, so a document need not fit in
 *       memory; splittable when uncompressed.</li>
 *   <li>{@code jsonl}: one JSON object a line with a string field; one partition per file so errors can
 *       name the line. Blank lines are skipped.</li>
 *   <li>{@code parquet}: a string column, read file by file with parquet-hadoop so rows keep their order.</li>
 * </ul>
 * Invalid UTF-8 is replaced with U+FFFD and counted, or fails with the file and byte offset when
 * strict. Bad jsonl records fail with file and line, or are skipped and counted when allowed.
 */
public final class Documents implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int MAX_STRIDES = 8;

    public enum Format {
        TEXT, JSONL, PARQUET;

        /** Parses a format name as given on the command line (any case). */
        public static Format parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown input format '" + name + "' (text, jsonl, parquet)");
            }
        }
    }

    /** How to read. {@code separator} is the document separator of text input. */
    public record Options(Format format, String textField, String separator, boolean strictUtf8,
                          boolean skipBadRecords, long maxSplitBytes) implements Serializable {
    }

    private final Options options;
    private final PartitionSum invalidUtf8Documents;
    private final PartitionSum skippedRecords;
    private final PartitionSum documentBytes;
    private final PartitionSum documentCount;
    private final Broadcast<SerializableConf> hadoopConf;

    public Documents(JavaSparkContext sc, Options options) {
        this.options = options;
        this.hadoopConf = SerializableConf.broadcast(sc);
        this.invalidUtf8Documents = PartitionSum.register(sc, "documents with invalid UTF-8");
        this.skippedRecords = PartitionSum.register(sc, "skipped bad records");
        this.documentBytes = PartitionSum.register(sc, "document bytes");
        this.documentCount = PartitionSum.register(sc, "documents");
    }

    public Options options() {
        return options;
    }

    /** The driver's Hadoop configuration as the readers get it on the executors, for the job's other tasks. */
    public Broadcast<SerializableConf> hadoopConf() {
        return hadoopConf;
    }

    public long invalidUtf8Documents() {
        return invalidUtf8Documents.value();
    }

    public long skippedRecords() {
        return skippedRecords.value();
    }

    /** Documents read so far (accumulated by the Spark actions that read them). */
    public long documentCount() {
        return documentCount.value();
    }

    /** UTF-8 bytes of all documents read so far (after replacing invalid bytes). */
    public long documentBytes() {
        return documentBytes.value();
    }

    /** Whether special tokens inside a document's text are special (text input) or plain text (records). */
    public boolean specialsInText() {
        return options.format() == Format.TEXT;
    }

    /**
     * A document, or a piece of one: text documents longer than a few MiB come in pieces cut where
     * pre-tokenization and encoding give the same result piece by piece as for the whole document
     * ({@link SafeCuts}), so no document needs to fit in memory; {@code last} ends a document.
     * Records (jsonl, parquet) are one piece each.
     */
    public record Piece(byte[] bytes, boolean last) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Reads the documents as UTF-8 pieces.
     *
     * @param specials the special tokens the pieces will be split on; text pieces are never cut inside one
     * @param inOrder  documents in input order (for encoding); false lets each compressed text file,
     *                 which Hadoop cannot split, be read by several partitions at once (for counting)
     */
    @SuppressWarnings("unchecked")
    public JavaRDD<Piece> read(JavaSparkContext sc, List<Path> files, List<String> specials, boolean inOrder)
            throws IOException {
        if (options.format() == Format.PARQUET) {
            return readParquet(sc, files);
        }
        Job job = Job.getInstance(sc.hadoopConfiguration());
        FileInputFormat.setInputPaths(job, files.toArray(new Path[0]));
        if (options.maxSplitBytes() > 0) {
            FileInputFormat.setMaxInputSplitSize(job, options.maxSplitBytes());
        }
        Options o = options;
        PartitionSum invalid = invalidUtf8Documents;
        Tally bytes = new Tally(documentCount, documentBytes);
        if (options.format() == Format.TEXT) {
            byte[] separator = options.separator().getBytes(StandardCharsets.UTF_8);
            job.getConfiguration().setBoolean(TextSplits.SPLITTABLE, !hasBorder(separator));
            job.getConfiguration().setInt(TextSplits.STRIDES, inOrder ? 1 : strides(sc, files));
            Broadcast<SerializableConf> conf = hadoopConf;
            List<String> cutAround = List.copyOf(specials);
            JavaNewHadoopRDD<LongWritable, NullWritable> splits = (JavaNewHadoopRDD<LongWritable, NullWritable>)
                    sc.newAPIHadoopRDD(job.getConfiguration(), TextSplits.class, LongWritable.class, NullWritable.class);
            return splits.mapPartitionsWithInputSplit((split, ignored) -> new TextPieces(
                    open((FileSplit) split, conf.value().get(), separator, new SpecialTokens(cutAround)),
                    keeps(split), o, invalid, bytes), true);
        }
        JavaNewHadoopRDD<LongWritable, Text> records = (JavaNewHadoopRDD<LongWritable, Text>) sc.newAPIHadoopRDD(
                job.getConfiguration(), WholeFileLines.class, LongWritable.class, Text.class);
        PartitionSum skipped = skippedRecords;
        return records.mapPartitionsWithInputSplit((split, it) ->
                new JsonlRecords(((FileSplit) split).getPath().toString(), it, o, invalid, skipped, bytes), true);
    }

    /** Which documents, by start offset, a split's reader keeps: a {@link Stride}'s share, or all. */
    private static LongPredicate keeps(InputSplit split) {
        if (split instanceof Stride stride) {
            return stride::keeps;
        }
        return documentStart -> true;
    }

    /**
     * Readers per compressed text file: enough to give every core a share when there are fewer such
     * files than cores, at most {@link #MAX_STRIDES} (each reader decompresses the whole file, which
     * costs a few per cent of counting it).
     */
    private static int strides(JavaSparkContext sc, List<Path> files) {
        CompressionCodecFactory codecs = new CompressionCodecFactory(sc.hadoopConfiguration());
        long compressed = files.stream().filter(f -> codecs.getCodec(f) != null).count();
        return compressed == 0 ? 1 : (int) Math.max(1, Math.min(MAX_STRIDES, sc.defaultParallelism() / compressed));
    }

    /**
     * Whether a proper prefix of the separator is also its suffix ({@code "aa"}, {@code "<s><s>"}): then
     * where separators are depends on where reading starts, so such files are read whole, not split.
     */
    static boolean hasBorder(byte[] separator) {
        for (int k = 1; k < separator.length; k++) {
            if (Arrays.equals(separator, 0, k, separator, separator.length - k, separator.length)) {
                return true;
            }
        }
        return false;
    }

    /** Opens a split of a text file: plain files from just before the split, compressed files whole. */
    private static TextDocumentReader open(FileSplit split, Configuration conf, byte[] separator, SpecialTokens specials)
            throws IOException {
        Path path = split.getPath();
        FSDataInputStream raw = path.getFileSystem(conf).open(path);
        try {
            CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
            int maxPieceBytes = (int) Math.min(1 << 30, Math.max(2L * TextDocumentReader.PIECE_BYTES,
                    Runtime.getRuntime().maxMemory() / 8));
            TextDocumentReader reader;
            if (codec == null) {
                long from = Math.max(0, split.getStart() - separator.length);
                raw.seek(from);
                reader = new TextDocumentReader(raw, from, split.getStart(), split.getStart() + split.getLength(),
                        separator, specials, TextDocumentReader.PIECE_BYTES, maxPieceBytes, path.toString());
            } else {
                Decompressor decompressor = CodecPool.getDecompressor(codec);
                InputStream in = codec.createInputStream(raw, decompressor);
                InputStream returning = new FilterInputStream(in) {
                    @Override
                    public void close() throws IOException {
                        try {
                            super.close();
                        } finally {
                            CodecPool.returnDecompressor(decompressor);
                        }
                    }
                };
                reader = new TextDocumentReader(returning, 0, 0, Long.MAX_VALUE, separator, specials,
                        TextDocumentReader.PIECE_BYTES, maxPieceBytes, path + " (decompressed)");
            }
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) context -> closeQuietly(reader));
            }
            return reader;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // the task is over; its input stream is of no further use
        }
    }

    private JavaRDD<Piece> readParquet(JavaSparkContext sc, List<Path> files) {
        List<String> names = files.stream().map(Path::toString).toList();
        Broadcast<SerializableConf> conf = hadoopConf;
        Options o = options;
        PartitionSum invalid = invalidUtf8Documents;
        PartitionSum skipped = skippedRecords;
        Tally bytes = new Tally(documentCount, documentBytes);
        return sc.parallelize(names, Math.max(1, names.size())).mapPartitions(it -> {
            List<Piece> docs = new ArrayList<>();
            while (it.hasNext()) {
                readParquetFile(it.next(), conf.value().get(), o, invalid, skipped, bytes, docs);
            }
            return docs.iterator();
        });
    }

    private static void readParquetFile(String file, Configuration conf, Options o, PartitionSum invalid,
                                        PartitionSum skipped, Tally bytes, List<Piece> docs)
            throws IOException {
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), new Path(file))
                .withConf(conf).build()) {
            long row = 0;
            for (Group g; (g = reader.read()) != null; row++) {
                int field = g.getType().containsField(o.textField()) ? g.getType().getFieldIndex(o.textField()) : -1;
                if (field < 0 || g.getFieldRepetitionCount(field) == 0) {
                    badRecord(file + ": row " + row + " has no field '" + o.textField() + "'", o, skipped);
                    continue;
                }
                long r = row;
                docs.add(record(sanitize(g.getBinary(field, 0).getBytes(), o, invalid,
                        bad -> file + ": row " + r + ": invalid UTF-8 at byte " + bad + " of its text"), bytes));
            }
        }
    }

    private static void badRecord(String message, Options o, PartitionSum skipped) {
        if (!o.skipBadRecords()) {
            throw new BadInputException(message + " (pass --skip-bad-records to skip and count such records)");
        }
        skipped.add(1);
    }

    /** A record: one whole document, counted. */
    private static Piece record(byte[] doc, Tally tally) {
        tally.documents().add(1);
        tally.bytes().add(doc.length);
        return new Piece(doc, true);
    }

    /** What reading counts: documents and their UTF-8 bytes. */
    private record Tally(PartitionSum documents, PartitionSum bytes) implements Serializable {
    }

    /**
     * Returns valid UTF-8: the input, or a copy with each invalid sequence replaced by U+FFFD (and the
     * document counted in {@code invalid} if it is given). When strict, the first invalid byte fails
     * the run with {@code where.apply(its index)} and the byte's value.
     */
    static byte[] sanitize(byte[] doc, Options o, PartitionSum invalid, IntFunction<String> where) {
        int bad = Utf8.firstInvalid(doc, 0, doc.length);
        if (bad < 0) {
            return doc;
        }
        if (o.strictUtf8()) {
            throw new BadInputException(where.apply(bad) + " (0x" + String.format("%02X", doc[bad] & 0xFF)
                    + "); drop --strict-utf8 to replace invalid UTF-8 with U+FFFD and count it");
        }
        if (invalid != null) {
            invalid.add(1);
        }
        return Utf8.replaceInvalid(doc);
    }

    /** Lines of a file, never split, so a record's index is its line number. */
    public static final class WholeFileLines extends TextInputFormat {
        @Override
        protected boolean isSplitable(JobContext context, Path file) {
            return false;
        }
    }

    /**
     * Splits of text files, one record each (its start), for {@link TextDocumentReader} to read: plain
     * files are split as Hadoop splits them (block size, {@code --max-split-bytes}) unless the separator
     * forbids it, compressed files are one split, or {@link #STRIDES} {@link Stride}s when read for
     * counting.
     */
    public static final class TextSplits extends FileInputFormat<LongWritable, NullWritable> {
        static final String SPLITTABLE = "bpe.text.splittable";
        /** Readers per compressed file ({@link Stride}s); 1 keeps a compressed file one split. */
        static final String STRIDES = "bpe.text.compressed.strides";
        /** Size of the blocks of decompressed text that strides take turns at (for tests). */
        static final String STRIDE_BLOCK_BYTES = "bpe.text.stride.block.bytes";

        @Override
        public List<InputSplit> getSplits(JobContext context) throws IOException {
            Configuration conf = context.getConfiguration();
            int strides = conf.getInt(STRIDES, 1);
            List<InputSplit> splits = super.getSplits(context);
            if (strides <= 1) {
                return splits;
            }
            CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
            long blockBytes = conf.getLong(STRIDE_BLOCK_BYTES, Stride.BLOCK_BYTES);
            List<InputSplit> spread = new ArrayList<>();
            for (InputSplit split : splits) {
                FileSplit file = (FileSplit) split;
                if (codecs.getCodec(file.getPath()) == null) {
                    spread.add(file);
                    continue;
                }
                for (int k = 0; k < strides; k++) {
                    spread.add(new Stride(file.getPath(), file.getLength(), file.getLocations(), k, strides, blockBytes));
                }
            }
            return spread;
        }

        @Override
        protected boolean isSplitable(JobContext context, Path file) {
            return context.getConfiguration().getBoolean(SPLITTABLE, true)
                    && new CompressionCodecFactory(context.getConfiguration()).getCodec(file) == null;
        }

        @Override
        public RecordReader<LongWritable, NullWritable> createRecordReader(InputSplit split, TaskAttemptContext context) {
            return new RecordReader<>() {
                private boolean read;

                @Override
                public void initialize(InputSplit s, TaskAttemptContext c) {
                }

                @Override
                public boolean nextKeyValue() {
                    boolean first = !read;
                    read = true;
                    return first;
                }

                @Override
                public LongWritable getCurrentKey() {
                    return new LongWritable(((FileSplit) split).getStart());
                }

                @Override
                public NullWritable getCurrentValue() {
                    return NullWritable.get();
                }

                @Override
                public float getProgress() {
                    return read ? 1 : 0;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /**
     * One of {@code count} readers of a whole compressed file: each decompresses all of it and keeps
     * the documents that start in blocks {@code index}, {@code index + count}, … of its decompressed
     * text, so together they read every document once, on {@code count} cores instead of one. The
     * documents come out of order, which counting does not mind.
     */
    public static final class Stride extends FileSplit {
        static final long BLOCK_BYTES = 4 << 20;
        private int index;
        private int count;
        private long blockBytes;

        /** For Hadoop's deserialisation ({@link #readFields}). */
        public Stride() {
        }

        Stride(Path file, long length, String[] hosts, int index, int count, long blockBytes) {
            super(file, 0, length, hosts);
            this.index = index;
            this.count = count;
            this.blockBytes = blockBytes;
        }

        boolean keeps(long documentStart) {
            return (documentStart / blockBytes) % count == index;
        }

        @Override
        public void write(DataOutput out) throws IOException {
            super.write(out);
            out.writeInt(index);
            out.writeInt(count);
            out.writeLong(blockBytes);
        }

        @Override
        public void readFields(DataInput in) throws IOException {
            super.readFields(in);
            index = in.readInt();
            count = in.readInt();
            blockBytes = in.readLong();
        }
    }

    /** Text documents as counted, valid UTF-8 pieces: those whose start {@code keeps} accepts. */
    private static final class TextPieces implements Iterator<Piece> {
        private final TextDocumentReader reader;
        private final LongPredicate keeps;
        private final Options o;
        private final PartitionSum invalid;
        private final Tally tally;
        /** Whether the current document has been counted as holding invalid UTF-8. */
        private boolean countedInvalid;
        private TextDocumentReader.RawPiece pending;

        TextPieces(TextDocumentReader reader, LongPredicate keeps, Options o, PartitionSum invalid, Tally tally) {
            this.reader = reader;
            this.keeps = keeps;
            this.o = o;
            this.invalid = invalid;
            this.tally = tally;
        }

        @Override
        public boolean hasNext() {
            while (pending == null && reader.hasNext()) {
                TextDocumentReader.RawPiece p = reader.next();
                if (keeps.test(p.documentStart())) {
                    pending = p;
                }
            }
            return pending != null;
        }

        @Override
        public Piece next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            TextDocumentReader.RawPiece p = pending;
            pending = null;
            byte[] valid = sanitize(p.bytes(), o, null, bad -> reader.file() + ": invalid UTF-8 at byte "
                    + (p.documentStart() + p.offsetInDocument() + bad) + ", in the document that starts at byte "
                    + p.documentStart());
            if (valid != p.bytes() && !countedInvalid) {
                invalid.add(1);
                countedInvalid = true;
            }
            tally.bytes().add(valid.length);
            if (p.last()) {
                tally.documents().add(1);
                countedInvalid = false;
            }
            return new Piece(valid, p.last());
        }
    }

    /** jsonl records: the text field of each non-blank line. */
    private static final class JsonlRecords implements Iterator<Piece> {
        private static final JsonFactory JSON = new JsonFactory();
        private final String file;
        private final Iterator<Tuple2<LongWritable, Text>> lines;
        private final Options o;
        private final PartitionSum invalid;
        private final PartitionSum skipped;
        private final Tally bytes;
        private long lineNumber;
        private Piece next;

        JsonlRecords(String file, Iterator<Tuple2<LongWritable, Text>> lines, Options o, PartitionSum invalid,
                     PartitionSum skipped, Tally bytes) {
            this.file = file;
            this.lines = lines;
            this.o = o;
            this.invalid = invalid;
            this.skipped = skipped;
            this.bytes = bytes;
        }

        @Override
        public boolean hasNext() {
            while (next == null && lines.hasNext()) {
                Text line = lines.next()._2();
                lineNumber++;
                if (isBlank(line)) {
                    continue;
                }
                next = parse(line);
            }
            return next != null;
        }

        @Override
        public Piece next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            Piece doc = next;
            next = null;
            return doc;
        }

        private static boolean isBlank(Text line) {
            byte[] b = line.getBytes();
            for (int i = 0; i < line.getLength(); i++) {
                if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                    return false;
                }
            }
            return true;
        }

        /** The record's text as UTF-8, or null if the record is skipped. */
        private Piece parse(Text line) {
            String where = file + ": line " + lineNumber;
            byte[] json = sanitize(line.copyBytes(), o, invalid, bad -> where + ": invalid UTF-8 at byte " + bad
                    + " of the line");
            try (JsonParser p = JSON.createParser(json)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    badRecord(where + ": not a JSON object", o, skipped);
                    return null;
                }
                String text = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if (name.equals(o.textField()) && value == JsonToken.VALUE_STRING) {
                        text = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    badRecord(where + ": not valid JSON: the object is not closed", o, skipped);
                    return null;
                }
                if (p.nextToken() != null) {
                    badRecord(where + ": not valid JSON: more follows the object on the line", o, skipped);
                    return null;
                }
                if (text == null) {
                    badRecord(where + ": no string field '" + o.textField() + "'", o, skipped);
                    return null;
                }
                return record(text.getBytes(StandardCharsets.UTF_8), bytes);
            } catch (JsonProcessingException e) {
                badRecord(where + ": not valid JSON: " + e.getOriginalMessage(), o, skipped);
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

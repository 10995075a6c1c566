package org.bpespark.jobs.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.bpespark.pipeline.text.Utf8;
import scala.Tuple2;

/**
 * Reads a corpus as an RDD of documents (UTF-8 bytes) in input order: partitions follow the sorted
 * file list and each file's splits in offset order, documents inside a partition follow the file.
 * That order is what makes the token shards independent of how the input was split.
 *
 * <ul>
 *   <li>{@code text}: documents separated by a special token (Hadoop's record delimiter; plain,
 *       {@code .gz}, {@code .zst}); splittable when uncompressed.</li>
 *   <li>{@code jsonl}: one JSON object a line with a string field; one partition per file so errors can
 *       name the line. Blank lines are skipped.</li>
 *   <li>{@code parquet}: a string column, read file by file with parquet-hadoop so rows keep their order.</li>
 * </ul>
 * Invalid UTF-8 is replaced with U+FFFD and counted, or fails with the file and byte offset when
 * strict. Bad jsonl records fail with file and line, or are skipped and counted when allowed.
 */
public final class Documents implements Serializable {
    private static final long serialVersionUID = 1L;

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
    private final LongAccumulator invalidUtf8Documents;
    private final LongAccumulator skippedRecords;
    private final LongAccumulator documentBytes;
    private final LongAccumulator documentCount;

    public Documents(JavaSparkContext sc, Options options) {
        this.options = options;
        this.invalidUtf8Documents = sc.sc().longAccumulator("documents with invalid UTF-8");
        this.skippedRecords = sc.sc().longAccumulator("skipped bad records");
        this.documentBytes = sc.sc().longAccumulator("document bytes");
        this.documentCount = sc.sc().longAccumulator("documents");
    }

    public Options options() {
        return options;
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

    @SuppressWarnings("unchecked")
    public JavaRDD<byte[]> read(JavaSparkContext sc, List<Path> files) throws IOException {
        if (options.format() == Format.PARQUET) {
            return readParquet(sc, files);
        }
        Job job = Job.getInstance(sc.hadoopConfiguration());
        FileInputFormat.setInputPaths(job, files.toArray(new Path[0]));
        if (options.maxSplitBytes() > 0) {
            FileInputFormat.setMaxInputSplitSize(job, options.maxSplitBytes());
        }
        Class<? extends TextInputFormat> inputFormat;
        if (options.format() == Format.TEXT) {
            job.getConfiguration().set("textinputformat.record.delimiter", options.separator());
            inputFormat = TextInputFormat.class;
        } else {
            inputFormat = WholeFileLines.class;
        }
        JavaNewHadoopRDD<LongWritable, Text> records = (JavaNewHadoopRDD<LongWritable, Text>) sc.newAPIHadoopRDD(
                job.getConfiguration(), inputFormat, LongWritable.class, Text.class);
        Options o = options;
        LongAccumulator invalid = invalidUtf8Documents;
        LongAccumulator skipped = skippedRecords;
        Tally bytes = new Tally(documentCount, documentBytes);
        return records.mapPartitionsWithInputSplit((split, it) -> {
            String file = ((FileSplit) split).getPath().toString();
            return o.format() == Format.TEXT
                    ? new TextRecords(file, it, o, invalid, bytes)
                    : new JsonlRecords(file, it, o, invalid, skipped, bytes);
        }, true);
    }

    private JavaRDD<byte[]> readParquet(JavaSparkContext sc, List<Path> files) {
        List<String> names = files.stream().map(Path::toString).toList();
        SerializableConf conf = new SerializableConf(sc.hadoopConfiguration());
        Options o = options;
        LongAccumulator invalid = invalidUtf8Documents;
        LongAccumulator skipped = skippedRecords;
        Tally bytes = new Tally(documentCount, documentBytes);
        return sc.parallelize(names, Math.max(1, names.size())).mapPartitions(it -> {
            List<byte[]> docs = new ArrayList<>();
            while (it.hasNext()) {
                readParquetFile(it.next(), conf.get(), o, invalid, skipped, bytes, docs);
            }
            return docs.iterator();
        });
    }

    private static void readParquetFile(String file, Configuration conf, Options o, LongAccumulator invalid,
                                        LongAccumulator skipped, Tally bytes, List<byte[]> docs)
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
                docs.add(counted(sanitize(g.getBinary(field, 0).getBytes(), file + ": row " + row, o, invalid), bytes));
            }
        }
    }

    private static void badRecord(String message, Options o, LongAccumulator skipped) {
        if (!o.skipBadRecords()) {
            throw new BadInputException(message + " (pass --skip-bad-records to skip and count such records)");
        }
        skipped.add(1);
    }

    private static byte[] counted(byte[] doc, Tally tally) {
        tally.documents().add(1);
        tally.bytes().add(doc.length);
        return doc;
    }

    /** What reading counts: documents and their UTF-8 bytes. */
    private record Tally(LongAccumulator documents, LongAccumulator bytes) implements Serializable {
    }

    /** Returns valid UTF-8: the input, or a copy with each invalid sequence replaced by U+FFFD. */
    static byte[] sanitize(byte[] doc, String where, Options o, LongAccumulator invalid) {
        int bad = Utf8.firstInvalid(doc, 0, doc.length);
        if (bad >= 0) {
            if (o.strictUtf8()) {
                throw new BadInputException(where + ": invalid UTF-8 at byte " + bad + " of the document (0x"
                        + String.format("%02X", doc[bad] & 0xFF) + "); drop --strict-utf8 to replace it with U+FFFD");
            }
            invalid.add(1);
            doc = Utf8.replaceInvalid(doc);
        }
        return doc;
    }

    /** Lines of a file, never split, so a record's index is its line number. */
    public static final class WholeFileLines extends TextInputFormat {
        @Override
        protected boolean isSplitable(JobContext context, Path file) {
            return false;
        }
    }

    /** Text records: each record is a document. */
    private static final class TextRecords implements Iterator<byte[]> {
        private final String file;
        private final Iterator<Tuple2<LongWritable, Text>> records;
        private final Options o;
        private final LongAccumulator invalid;
        private final Tally bytes;

        TextRecords(String file, Iterator<Tuple2<LongWritable, Text>> records, Options o, LongAccumulator invalid,
                    Tally bytes) {
            this.file = file;
            this.records = records;
            this.o = o;
            this.invalid = invalid;
            this.bytes = bytes;
        }

        @Override
        public boolean hasNext() {
            return records.hasNext();
        }

        @Override
        public byte[] next() {
            Tuple2<LongWritable, Text> r = records.next();
            return counted(sanitize(r._2().copyBytes(), file + ": record at offset " + r._1().get(), o, invalid), bytes);
        }
    }

    /** jsonl records: the text field of each non-blank line. */
    private static final class JsonlRecords implements Iterator<byte[]> {
        private static final JsonFactory JSON = new JsonFactory();
        private final String file;
        private final Iterator<Tuple2<LongWritable, Text>> lines;
        private final Options o;
        private final LongAccumulator invalid;
        private final LongAccumulator skipped;
        private final Tally bytes;
        private long lineNumber;
        private byte[] next;

        JsonlRecords(String file, Iterator<Tuple2<LongWritable, Text>> lines, Options o, LongAccumulator invalid,
                     LongAccumulator skipped, Tally bytes) {
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
        public byte[] next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            byte[] doc = next;
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
        private byte[] parse(Text line) {
            String where = file + ": line " + lineNumber;
            byte[] json = sanitize(line.copyBytes(), where, o, invalid);
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
                if (text == null) {
                    badRecord(where + ": no string field '" + o.textField() + "'", o, skipped);
                    return null;
                }
                return counted(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), bytes);
            } catch (JsonProcessingException e) {
                badRecord(where + ": not valid JSON: " + e.getOriginalMessage(), o, skipped);
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

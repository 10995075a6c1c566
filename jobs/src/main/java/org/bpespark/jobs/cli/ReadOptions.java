package org.bpespark.jobs.cli;

import org.bpespark.jobs.io.Documents;
import picocli.CommandLine.Option;

/** How input documents are read; shared by the commands that read a corpus. */
public final class ReadOptions {
    @Option(names = "--format", defaultValue = "text", paramLabel = "text|jsonl|parquet",
            description = "Input format (default: ${DEFAULT-VALUE}). text: documents separated by the first special token; "
                    + "jsonl: one JSON object a line; parquet: a string column. .gz and .zst are read transparently.")
    String format;

    @Option(names = "--text-field", defaultValue = "text", description = "Field holding the text in jsonl/parquet (default: ${DEFAULT-VALUE}).")
    String textField;

    @Option(names = "--strict-utf8", description = "Fail on invalid UTF-8 (naming file and byte offset) instead of replacing it with U+FFFD and counting it.")
    boolean strictUtf8;

    @Option(names = "--skip-bad-records", description = "Skip and count malformed jsonl lines and records without the text field instead of failing.")
    boolean skipBadRecords;

    @Option(names = "--max-split-bytes", defaultValue = "0", paramLabel = "N",
            description = "Largest input split in bytes for uncompressed text (0: Hadoop's default, the block size).")
    long maxSplitBytes;

    Documents.Options toOptions(String separator) {
        return new Documents.Options(Documents.Format.parse(format), textField, separator, strictUtf8, skipBadRecords,
                maxSplitBytes);
    }
}

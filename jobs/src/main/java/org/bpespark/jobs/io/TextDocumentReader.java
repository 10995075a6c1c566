package org.bpespark.jobs.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.bpespark.pipeline.text.ByteSearch;
import org.bpespark.pipeline.text.SafeCuts;
import org.bpespark.pipeline.text.SpecialTokens;

/**
 * The documents of one input split of a text file, in pieces of bounded size.
 *
 * <p>Documents are the text between delimiters (the first special token), read the way Hadoop's
 * {@code LineRecordReader} reads records with a custom delimiter: a document belongs to the split
 * its first byte is in (so every split of a file together read each document once), a UTF-8 byte
 * order mark at the start of the file is dropped, and nothing follows a delimiter at the very end.
 * Unlike {@code LineRecordReader}, which holds a whole record in one {@code Text}, a document longer
 * than {@code pieceBytes} comes out in pieces cut at {@link SafeCuts}, so a 1 GiB document with no
 * delimiter is read in a small heap and pre-tokenizes and encodes exactly as if it were whole.
 *
 * <p>Offsets are file offsets (of the decompressed text for compressed files).
 */
final class TextDocumentReader implements Iterator<TextDocumentReader.RawPiece>, Closeable {
    /** Pieces are cut once a document reaches this size without a delimiter. */
    static final int PIECE_BYTES = 4 << 20;
    private static final int READ_BYTES = 1 << 16;

    /** A piece (not yet checked for UTF-8) of the document starting at {@code documentStart}; {@code last} ends the document. */
    record RawPiece(byte[] bytes, long documentStart, long offsetInDocument, boolean last) {
    }

    private final InputStream in;
    private final byte[] delimiter;
    private final SpecialTokens specials;
    private final long end;
    private final int pieceBytes;
    private final int maxPieceBytes;
    private final String file;

    /** Unread bytes are {@code buf[pos, len)}; {@code buf[0]} is at file offset {@code bufStart}. */
    private byte[] buf = new byte[READ_BYTES];
    private int pos;
    private int len;
    private long bufStart;
    private boolean eof;
    /** No delimiter starts in {@code buf[pos, searchFrom)}. */
    private int searchFrom;
    private long documentStart;
    private long emitted;
    private int nextCutAttempt;
    private boolean done;
    private RawPiece next;

    /**
     * @param in        the file's bytes from file offset {@code position}, which is 0 or at most
     *                  {@code delimiter.length} before {@code start}
     * @param start     the split's first byte; documents starting in {@code [start, end)} are read
     * @param specials  the special tokens the pieces will be split on (a cut never falls inside one)
     * @param maxPieceBytes a document with no safe cut in this many bytes is refused
     */
    TextDocumentReader(InputStream in, long position, long start, long end, byte[] delimiter, SpecialTokens specials,
                       int pieceBytes, int maxPieceBytes, String file) throws IOException {
        if (delimiter.length == 0) {
            throw new IllegalArgumentException("empty document delimiter");
        }
        this.in = in;
        this.delimiter = delimiter.clone();
        this.specials = specials;
        this.end = end;
        this.pieceBytes = pieceBytes;
        this.maxPieceBytes = Math.max(maxPieceBytes, pieceBytes);
        this.file = file;
        this.bufStart = position;
        this.nextCutAttempt = pieceBytes;
        if (start == 0) {
            startDocument(0);
            while (len < 3 && !eof) {
                fill();
            }
            if (len >= 3 && buf[0] == (byte) 0xEF && buf[1] == (byte) 0xBB && buf[2] == (byte) 0xBF) {
                pos = 3;
                searchFrom = 3;
                documentStart = 3; // still the first split's document, however short that split is
            }
        } else {
            findFirstDocument(start);
        }
    }

    /** Positions at the first document starting in {@code [start, end)}: right after a delimiter. */
    private void findFirstDocument(long start) throws IOException {
        while (true) {
            int at = indexOfDelimiter();
            if (at >= 0) {
                long documentAt = bufStart + at + delimiter.length;
                pos = at + delimiter.length;
                searchFrom = pos;
                startDocument(documentAt);
                return;
            }
            searchFrom = Math.max(searchFrom, len - delimiter.length + 1);
            // A delimiter whose document would start at or after the split's end is the next split's.
            if (eof || bufStart + searchFrom + delimiter.length >= end) {
                done = true;
                return;
            }
            pos = searchFrom;
            fill();
        }
    }

    private void startDocument(long offset) {
        documentStart = offset;
        emitted = 0;
        nextCutAttempt = pieceBytes;
        if (offset >= end) {
            done = true;
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null && !done) {
            try {
                next = readPiece();
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": " + e.getMessage(), e);
            }
        }
        return next != null;
    }

    @Override
    public RawPiece next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RawPiece piece = next;
        next = null;
        return piece;
    }

    /** The next piece of the current document, or null when the split has no more documents. */
    private RawPiece readPiece() throws IOException {
        while (true) {
            int at = indexOfDelimiter();
            if (at >= 0) {
                RawPiece piece = take(at, true);
                pos += delimiter.length;
                searchFrom = pos;
                startDocument(bufStart + pos);
                return piece;
            }
            searchFrom = Math.max(searchFrom, len - delimiter.length + 1);
            if (len - pos >= nextCutAttempt) {
                // A cut must leave any delimiter that may be completed by the next read whole.
                int cut = SafeCuts.lastSafeCut(buf, pos, len - (delimiter.length - 1), specials);
                if (cut > pos) {
                    nextCutAttempt = pieceBytes;
                    return take(cut, false);
                }
                if (len - pos >= maxPieceBytes) {
                    throw new BadInputException(file + ": the document at byte " + documentStart + " runs "
                            + (emitted + len - pos) + " bytes and more with no place to cut it into pieces that fit in "
                            + "memory (its last " + (len - pos) + " bytes hold no change between letters, digits, "
                            + "whitespace and other characters outside a special token)");
                }
                nextCutAttempt = (int) Math.min(maxPieceBytes, 2L * (len - pos));
            }
            if (eof) {
                if (len == pos && emitted == 0) {
                    done = true; // nothing after the last delimiter: no document
                    return null;
                }
                done = true;
                return take(len, true);
            }
            fill();
        }
    }

    /** Emits {@code buf[pos, upTo)} as a piece of the current document. */
    private RawPiece take(int upTo, boolean last) {
        RawPiece piece = new RawPiece(Arrays.copyOfRange(buf, pos, upTo), documentStart, emitted, last);
        emitted += upTo - pos;
        pos = upTo;
        searchFrom = Math.max(searchFrom, pos);
        return piece;
    }

    /** Index of the first delimiter in {@code buf[searchFrom, len)}, or -1. */
    private int indexOfDelimiter() {
        int last = len - delimiter.length; // the last place a whole delimiter fits
        for (int i = Math.max(searchFrom, pos); i <= last; i++) {
            i = ByteSearch.indexOf(buf, i, last + 1, delimiter[0]);
            if (i <= last && Arrays.equals(buf, i, i + delimiter.length, delimiter, 0, delimiter.length)) {
                return i;
            }
        }
        return -1;
    }

    /** Reads more input after {@code len}, first moving the unread bytes to the front (or growing). */
    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, len - pos);
            bufStart += pos;
            len -= pos;
            searchFrom -= pos;
            pos = 0;
        }
        if (buf.length - len < READ_BYTES / 2) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + READ_BYTES));
        }
        int n = in.read(buf, len, buf.length - len);
        if (n < 0) {
            eof = true;
        } else {
            len += n;
        }
    }

    /** The file, for messages. */
    String file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

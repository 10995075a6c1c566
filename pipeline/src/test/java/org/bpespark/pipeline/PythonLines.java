package org.bpespark.pipeline;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Lines as iterating over a Python text file yields them: each keeps its {@code \n}, the last one may
 * lack it, and none is empty. Lazy, so a large input is never held whole. Only {@code \n} ends a line:
 * the inputs here have no {@code \r}, where Python's universal newlines would also translate.
 */
final class PythonLines implements Iterator<String> {
    private final Reader reader;
    private final StringBuilder line = new StringBuilder();
    private String next;
    private boolean eof;

    private PythonLines(Reader reader) {
        this.reader = reader;
    }

    static Iterator<String> of(Reader reader) {
        return new PythonLines(reader);
    }

    static Iterator<String> of(String text) {
        return new PythonLines(new StringReader(text));
    }

    @Override
    public boolean hasNext() {
        if (next == null && !eof) {
            next = readLine();
        }
        return next != null;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        String out = next;
        next = null;
        return out;
    }

    private String readLine() {
        line.setLength(0);
        try {
            for (int c; (c = reader.read()) >= 0; ) {
                line.append((char) c);
                if (c == '\n') {
                    return line.toString();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        eof = true;
        return line.length() == 0 ? null : line.toString();
    }
}

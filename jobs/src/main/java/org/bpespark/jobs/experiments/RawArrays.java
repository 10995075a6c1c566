package org.bpespark.jobs.experiments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpespark.jobs.Metrics;

/**
 * The raw arrays of an experiments run, one headerless little-endian file each ({@code np.fromfile(path,
 * dtype)} reads one), and their catalogue in {@code experiments.json}: file name → dtype (numpy's
 * spelling), length and what an element is.
 */
final class RawArrays {
    static final String INT64 = "<i8";
    static final String INT32 = "<i4";
    static final String FLOAT64 = "<f8";

    private final Path dir;
    private final ObjectNode catalogue = Metrics.JSON.createObjectNode();

    RawArrays(Path dir) {
        this.dir = dir;
    }

    void write(String file, long[] values, String what) throws IOException {
        ByteBuffer buf = buffer(values.length * Long.BYTES);
        buf.asLongBuffer().put(values);
        save(file, buf, INT64, values.length, what);
    }

    void write(String file, int[] values, String what) throws IOException {
        ByteBuffer buf = buffer(values.length * Integer.BYTES);
        buf.asIntBuffer().put(values);
        save(file, buf, INT32, values.length, what);
    }

    void write(String file, double[] values, String what) throws IOException {
        ByteBuffer buf = buffer(values.length * Double.BYTES);
        buf.asDoubleBuffer().put(values);
        save(file, buf, FLOAT64, values.length, what);
    }

    ObjectNode catalogue() {
        return catalogue;
    }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void save(String file, ByteBuffer buf, String dtype, int length, String what) throws IOException {
        Files.write(dir.resolve(file), buf.array());
        ObjectNode entry = catalogue.putObject(file);
        entry.put("dtype", dtype);
        entry.put("length", length);
        entry.put("what", what);
    }
}

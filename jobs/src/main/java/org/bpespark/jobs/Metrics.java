package org.bpespark.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Supplier;

/** Phase timings, collected into a report node (the peak heap is {@link PeakHeap}). */
public final class Metrics {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode phases = JSON.createObjectNode();

    /** Runs a phase and records its wall time in milliseconds under {@code name}. */
    public <T> T time(String name, Supplier<T> phase) {
        long start = System.nanoTime();
        T result = phase.get();
        phases.put(name + "_ms", (System.nanoTime() - start) / 1_000_000);
        return result;
    }

    public ObjectNode phases() {
        return phases;
    }
}

package org.bpespark.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.function.Supplier;

/** Phase timings and the driver's peak heap, collected into a report node. */
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

    /** Largest heap the JVM has had in use, summed over heap pools' peaks (an upper bound). */
    public static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** Starts peak tracking afresh (e.g. at the start of a job in a long-lived session). */
    public static void resetPeakHeap() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }
}

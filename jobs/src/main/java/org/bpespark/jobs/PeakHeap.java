package org.bpespark.jobs;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * The JVM's peak heap, from the heap pools' peak usage. A class of its own (not in {@link Metrics})
 * so that {@code train-local} can read it without initialising Jackson, which {@link Metrics} does.
 */
public final class PeakHeap {
    private PeakHeap() {
    }

    /** Largest heap the JVM has had in use, summed over heap pools' peaks (an upper bound). */
    public static long bytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** Starts peak tracking afresh (e.g. at the start of a job in a long-lived session). */
    public static void reset() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }
}

package org.bpespark.jobs.io;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.AccumulatorV2;

/**
 * A count taken while reading (documents, bytes, bad records) that counts each partition once, however
 * often Spark runs it.
 *
 * <p>Spark applies a task's accumulator updates every time the task succeeds. When an executor is
 * lost, the map tasks it had finished run again elsewhere (their shuffle output went with it), so a
 * {@link org.apache.spark.util.LongAccumulator} updated while reading counts their documents twice.
 * This accumulator keeps each partition's own sum and a rerun of the partition replaces it; its value
 * is the sum over partitions. Every run of a partition must add the same amounts, which holds for
 * reading the same input split.
 */
public final class PartitionSum extends AccumulatorV2<Long, Long> {
    private static final long serialVersionUID = 1L;
    /** Amounts added on the driver, outside any task. */
    private static final int DRIVER = -1;

    /** Partition index → the sum its task added. */
    private final Map<Integer, Long> sums = new HashMap<>();

    /** A new sum registered with the context under {@code name}. */
    public static PartitionSum register(JavaSparkContext sc, String name) {
        PartitionSum sum = new PartitionSum();
        sc.sc().register(sum, name);
        return sum;
    }

    public synchronized void add(long amount) {
        TaskContext task = TaskContext.get();
        sums.merge(task == null ? DRIVER : task.partitionId(), amount, Long::sum);
    }

    @Override
    public void add(Long amount) {
        add(amount.longValue());
    }

    /** Takes in a finished task's sums: a partition seen before gets the new sum, not both. */
    @Override
    public synchronized void merge(AccumulatorV2<Long, Long> other) {
        if (!(other instanceof PartitionSum o)) {
            throw new UnsupportedOperationException("cannot merge " + other.getClass().getName() + " into a PartitionSum");
        }
        synchronized (o) {
            sums.putAll(o.sums);
        }
    }

    @Override
    public synchronized Long value() {
        long total = 0;
        for (long s : sums.values()) {
            total += s;
        }
        return total;
    }

    @Override
    public synchronized boolean isZero() {
        return sums.isEmpty();
    }

    @Override
    public synchronized PartitionSum copy() {
        PartitionSum copy = new PartitionSum();
        copy.sums.putAll(sums);
        return copy;
    }

    @Override
    public synchronized void reset() {
        sums.clear();
    }
}

package org.bpespark.jobs.io;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A Hadoop {@link Configuration} that can travel to executors (it is Writable, not Serializable).
 * Send it as a broadcast ({@link #broadcast}), as Spark's own Hadoop RDDs do: inside a closure it
 * is deserialised again for every task, which measured ≈ 50 ms a task in encode-shards.
 */
public final class SerializableConf implements Serializable {
    private static final long serialVersionUID = 1L;
    private transient Configuration conf;

    public SerializableConf(Configuration conf) {
        this.conf = conf;
    }

    /** The driver's Hadoop configuration, deserialised once per executor. */
    public static Broadcast<SerializableConf> broadcast(JavaSparkContext sc) {
        return sc.broadcast(new SerializableConf(sc.hadoopConfiguration()));
    }

    public Configuration get() {
        return conf;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        conf.write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        conf = new Configuration(false);
        conf.readFields(in);
    }
}

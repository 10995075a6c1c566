package org.bpespark.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.io.ZstdCodec;

/**
 * Creates the Spark session for a command. Under {@code spark-submit} the master and every setting
 * come from it; run embedded ({@code bin/pipeline}) with no master set, it runs {@code local[*]} on
 * loopback only (this machine's hostname does not resolve to a usable interface) with the UI off.
 */
public final class SparkSetup {
    /** Hadoop's default codecs plus ours for .zst (Hadoop's own needs native libhadoop). */
    private static final String CODECS = "org.apache.hadoop.io.compress.DefaultCodec,"
            + "org.apache.hadoop.io.compress.GzipCodec,org.apache.hadoop.io.compress.BZip2Codec,"
            + ZstdCodec.class.getName();

    private SparkSetup() {
    }

    public static SparkSession session(String appName) {
        SparkConf conf = new SparkConf();
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        conf.setIfMissing("spark.app.name", appName);
        conf.set("spark.hadoop.io.compression.codecs", CODECS);
        // A few large shuffle partitions suit the small aggregates here; AQE coalesces further.
        conf.setIfMissing("spark.sql.shuffle.partitions", "16");
        return SparkSession.builder().config(conf).getOrCreate();
    }
}

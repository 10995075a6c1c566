package org.bpespark.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.bpespark.jobs.Metrics;
import org.bpespark.jobs.SparkSetup;

/** A command that runs in a Spark session: opens it, runs, prints the job's report, stops it. */
abstract class SparkCommand implements Callable<Integer> {

    abstract String appName();

    abstract JsonNode run(SparkSession spark) throws Exception;

    @Override
    public Integer call() throws Exception {
        validate();
        SparkSession spark = SparkSetup.session(appName());
        try {
            JsonNode report = run(spark);
            System.out.println(Metrics.JSON.writeValueAsString(report));
            afterReport();
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Runs after the report is printed: last words for the user. */
    void afterReport() {
    }

    /** Checks options before Spark starts (5–20 s), so mistakes fail fast. */
    void validate() {
    }
}

package org.bpespark.pipeline;

import java.util.Random;

/**
 * Seeds for the randomised tests, the Lucene way: each test has a fixed default seed, every failure
 * names the seed it ran with, and {@code -Dtests.seed=N} replays (or varies) a run:
 * {@code mvn -B -q test -pl pipeline -Dtests.seed=N -Dtest=SomeTest}.
 */
public final class Randomized {
    /** One random case; throw (or fail an assertion) to report it. */
    @FunctionalInterface
    public interface Case {
        void run(Random random) throws Exception;
    }

    private Randomized() {
    }

    /** {@code -Dtests.seed} if it is set, otherwise the test's own default seed. */
    public static long seed(long defaultSeed) {
        String configured = System.getProperty("tests.seed");
        return configured == null || configured.isBlank() ? defaultSeed : Long.parseLong(configured.trim());
    }

    /** How a failure message names the seed. */
    public static String replay(long seed) {
        return "seed " + seed + " (replay with -Dtests.seed=" + seed + ")";
    }

    /**
     * Runs {@code cases} cases, each with its own {@link Random} derived from the seed and the case
     * number. Any failure or exception is rethrown as an {@link AssertionError} that names the seed and
     * the case number, with the original as its cause.
     */
    public static void check(String what, long defaultSeed, int cases, Case body) {
        long seed = seed(defaultSeed);
        for (int i = 0; i < cases; i++) {
            try {
                body.run(new Random(caseSeed(seed, i)));
            } catch (Throwable t) {
                throw new AssertionError(what + ": case " + i + " failed with " + replay(seed) + ": " + t, t);
            }
        }
    }

    /** Spreads (seed, case) over the seed space, so neighbouring cases do not start from similar states. */
    private static long caseSeed(long seed, int i) {
        long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

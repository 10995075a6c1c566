package org.bpespark.pipeline.accounting;

import java.util.Arrays;

/** Counts as exact longs: a product that does not fit is refused rather than wrapped around. */
final class Exact {
    private Exact() {
    }

    static long product(long... factors) {
        long product = 1;
        for (long factor : factors) {
            try {
                product = Math.multiplyExact(product, factor);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("count too large for a long: product of "
                        + Arrays.toString(factors), e);
            }
        }
        return product;
    }
}

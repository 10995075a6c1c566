package org.bpespark.pipeline.accounting;

import java.util.Locale;

/** The readable rendering of a {@link ResourceAccounting}: one section per question, ASCII only. */
final class AccountingTable {
    private static final String[] PREFIXES = {"", "K", "M", "G", "T", "P", "E", "Z", "Y"};
    private static final double GIB = 1L << 30;

    private final StringBuilder out = new StringBuilder();

    private AccountingTable() {
    }

    static String render(ResourceAccounting a) {
        AccountingTable table = new AccountingTable();
        table.header(a);
        table.parameters(a.parameters());
        table.forward(a);
        table.memory(a.memory());
        table.line("%nFLOPs per training step (forward + backward = %d x forward): %sFLOPs",
                ResourceAccounting.STEP_FORWARDS, si(a.flopsPerStep()));
        a.training().ifPresent(table::training);
        return table.out.toString();
    }

    private void header(ResourceAccounting a) {
        TransformerConfig c = a.config();
        line("Transformer LM (CS336 architecture, SwiGLU, untied LM head): vocab %,d, context %,d, %d layers,",
                c.vocabSize(), c.contextLength(), c.layers());
        line("  d_model %,d, %d heads of %d, d_ff %,d; batch %,d", c.dModel(), c.heads(), c.dHead(), c.dFf(), a.batch());
    }

    private void parameters(ParameterCounts p) {
        double total = p.total();
        line("%nParameters%42s %8s", "count", "share");
        row("token embedding", p.tokenEmbedding(), total);
        row("attention projections Q, K, V, O", p.attentionProjections(), total);
        row("SwiGLU FFN W1, W2, W3", p.ffn(), total);
        row("RMSNorm gains", p.rmsNorms(), total);
        row("LM head (untied)", p.lmHead(), total);
        row("total", p.total(), total);
        line("  = %,d bytes in float32 (%.2f GiB)", p.float32Bytes(), p.float32Bytes() / GIB);
    }

    private void row(String label, long count, double total) {
        line("  %-32s %,17d %7.2f%%", label, count, 100 * count / total);
    }

    private void forward(ResourceAccounting a) {
        ForwardFlops f = a.forward();
        line("%nForward FLOPs (batch %,d x context %,d)%n  %-32s %11s %11s %8s", a.batch(), a.config().contextLength(),
                "", "per layer", "total", "share");
        for (FlopComponent component : FlopComponent.values()) {
            String perLayer = component.perLayer ? si(f.perLayer(component)) : "-";
            line("  %-32s %11s %11s %7.2f%%", component.label, perLayer, si(f.total(component)),
                    100 * f.share(component));
        }
        line("  %-32s %11s %11s %7.2f%%", "total", "", si(f.total()), 100.0);
    }

    private void memory(TrainingMemory m) {
        line("%nAdamW training memory (float32)%22s %10s", "bytes", "GiB");
        bytes("parameters", m.parameterBytes());
        bytes("gradients", m.gradientBytes());
        bytes("moments m, v", m.optimizerStateBytes());
        bytes("activations", m.activationBytes());
        for (TrainingMemory.ActivationTerm term : m.activations()) {
            bytes("  " + term.name(), term.bytes());
        }
        bytes("total", m.total());
    }

    private void bytes(String label, long bytes) {
        line("  %-30s %,20d %10.2f", label, bytes, bytes / GIB);
    }

    private void training(TrainingTime t) {
        line("%nTraining on %,d tokens: %,d steps of %,d tokens, %sFLOPs", t.tokens(), t.steps(), t.tokensPerStep(),
                si(t.totalFlops()));
        line("  at MFU %.0f%% of %sFLOP/s: %s", 100 * t.mfu(), si(t.peakFlopsPerSecond()), duration(t.seconds()));
    }

    private void line(String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    /** Four significant digits and an SI prefix: 20.97 G, 164.7 G, 4.513 T. */
    static String si(double value) {
        int prefix = 0;
        while (Math.abs(value) >= 999.95 && prefix < PREFIXES.length - 1) {
            value /= 1000;
            prefix++;
        }
        int decimals = Math.abs(value) >= 99.995 ? 1 : Math.abs(value) >= 9.9995 ? 2 : 3;
        return String.format(Locale.ROOT, "%." + decimals + "f %s", value, PREFIXES[prefix]);
    }

    /** Seconds, and the largest unit that makes them readable. */
    static String duration(double seconds) {
        String exact = String.format(Locale.ROOT, "%,.0f s", seconds);
        if (seconds < 120) {
            return String.format(Locale.ROOT, "%.3g s", seconds);
        } else if (seconds < 7_200) {
            return String.format(Locale.ROOT, "%.1f min (%s)", seconds / 60, exact);
        } else if (seconds < 172_800) {
            return String.format(Locale.ROOT, "%.1f h (%s)", seconds / 3_600, exact);
        }
        return String.format(Locale.ROOT, "%,.1f days (%s)", seconds / 86_400, exact);
    }
}

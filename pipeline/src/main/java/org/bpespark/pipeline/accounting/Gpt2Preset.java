package org.bpespark.pipeline.accounting;

import java.util.Arrays;
import java.util.Locale;

/**
 * The four GPT-2 shapes (Radford et al. 2019, table 2) with a context of 1,024 and d_ff = 4·d_model.
 * Put into the CS336 architecture they are not GPT-2 itself: SwiGLU has three FFN matrices and the
 * LM head is untied, so GPT-2 XL here has 2.13 B parameters, not 1.56 B.
 */
public enum Gpt2Preset {
    SMALL(12, 768, 12), MEDIUM(24, 1024, 16), LARGE(36, 1280, 20), XL(48, 1600, 25);

    /** GPT-2's vocabulary: 256 bytes, 50,000 merges and {@code <|endoftext|>}. */
    public static final int VOCAB_SIZE = 50_257;
    public static final int CONTEXT_LENGTH = 1_024;

    public final int layers;
    public final int dModel;
    public final int heads;

    Gpt2Preset(int layers, int dModel, int heads) {
        this.layers = layers;
        this.dModel = dModel;
        this.heads = heads;
    }

    /** {@code gpt2-small}, {@code gpt2-medium}, … */
    public String id() {
        return "gpt2-" + name().toLowerCase(Locale.ROOT);
    }

    public int dFf() {
        return 4 * dModel;
    }

    public TransformerConfig config(int vocabSize, int contextLength) {
        return new TransformerConfig(vocabSize, contextLength, layers, dModel, heads, dFf());
    }

    /** The preset named {@code gpt2-xl} or {@code xl} (any case). */
    public static Gpt2Preset parse(String name) {
        String id = name.toLowerCase(Locale.ROOT);
        for (Gpt2Preset preset : values()) {
            if (preset.id().equals(id) || preset.id().equals("gpt2-" + id)) {
                return preset;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "' (one of "
                + Arrays.stream(values()).map(Gpt2Preset::id).toList() + ")");
    }
}

package org.bpespark.pipeline.accounting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The accounting of one model shape and batch: parameters, forward FLOPs, AdamW memory, FLOPs per
 * step and, once a token count is given, the time to train on it. Renders as a readable table or as
 * JSON (snake_case keys, for notebooks).
 */
public final class ResourceAccounting {
    /** A training step is a forward and a backward pass; the backward pass costs two forwards. */
    public static final int STEP_FORWARDS = 3;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TransformerConfig config;
    private final int batch;
    private final ParameterCounts parameters;
    private final ForwardFlops forward;
    private final TrainingMemory memory;
    private final TrainingTime training;

    private ResourceAccounting(TransformerConfig config, int batch, TrainingTime training) {
        this.config = config;
        this.batch = batch;
        this.parameters = ParameterCounts.of(config);
        this.forward = ForwardFlops.of(config, batch);
        this.memory = TrainingMemory.of(config, batch);
        this.training = training;
    }

    /** Accounting for steps of {@code batch} sequences of the full context length. */
    public static ResourceAccounting of(TransformerConfig config, int batch) {
        return new ResourceAccounting(config, batch, null);
    }

    /** The same, plus the time to train on {@code tokens} at the given utilisation of a peak FLOP/s. */
    public ResourceAccounting trainingOn(long tokens, double mfu, double peakFlopsPerSecond) {
        long tokensPerStep = (long) batch * config.contextLength();
        return new ResourceAccounting(config, batch,
                new TrainingTime(tokens, tokensPerStep, flopsPerStep(), mfu, peakFlopsPerSecond));
    }

    public TransformerConfig config() {
        return config;
    }

    public int batch() {
        return batch;
    }

    public ParameterCounts parameters() {
        return parameters;
    }

    /** Forward FLOPs of one step's batch. */
    public ForwardFlops forward() {
        return forward;
    }

    public TrainingMemory memory() {
        return memory;
    }

    public double flopsPerStep() {
        return STEP_FORWARDS * forward.total();
    }

    public Optional<TrainingTime> training() {
        return Optional.ofNullable(training);
    }

    public String table() {
        return AccountingTable.render(this);
    }

    public String json() {
        ObjectNode root = MAPPER.createObjectNode();
        root.putObject("config")
                .put("vocab_size", config.vocabSize())
                .put("context_length", config.contextLength())
                .put("layers", config.layers())
                .put("d_model", config.dModel())
                .put("heads", config.heads())
                .put("d_ff", config.dFf())
                .put("batch", batch);
        root.putObject("parameters")
                .put("token_embedding", parameters.tokenEmbedding())
                .put("attention_projections", parameters.attentionProjections())
                .put("ffn", parameters.ffn())
                .put("rms_norms", parameters.rmsNorms())
                .put("lm_head", parameters.lmHead())
                .put("total", parameters.total())
                .put("float32_bytes", parameters.float32Bytes());
        ObjectNode flops = root.putObject("forward_flops");
        ObjectNode perLayer = flops.putObject("per_layer");
        ObjectNode byComponent = flops.putObject("by_component");
        ObjectNode shares = flops.putObject("shares");
        for (FlopComponent component : FlopComponent.values()) {
            if (component.perLayer) {
                perLayer.put(component.key(), forward.perLayer(component));
            }
            byComponent.put(component.key(), forward.total(component));
            shares.put(component.key(), forward.share(component));
        }
        flops.put("total", forward.total());
        ObjectNode bytes = root.putObject("memory_bytes")
                .put("parameters", memory.parameterBytes())
                .put("gradients", memory.gradientBytes())
                .put("optimizer_state", memory.optimizerStateBytes())
                .put("activations", memory.activationBytes())
                .put("total", memory.total());
        ObjectNode activations = bytes.putObject("activations_by_term");
        for (TrainingMemory.ActivationTerm term : memory.activations()) {
            activations.put(term.name(), term.bytes());
        }
        root.put("flops_per_step", flopsPerStep());
        if (training != null) {
            root.putObject("training")
                    .put("tokens", training.tokens())
                    .put("tokens_per_step", training.tokensPerStep())
                    .put("steps", training.steps())
                    .put("total_flops", training.totalFlops())
                    .put("mfu", training.mfu())
                    .put("peak_flops_per_second", training.peakFlopsPerSecond())
                    .put("seconds", training.seconds());
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

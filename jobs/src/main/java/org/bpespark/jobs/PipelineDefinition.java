package org.bpespark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pipeline's stages as command lines of {@code PipelineCli}, read from {@code conf/pipeline.json}:
 * the definition the Airflow DAG ({@code conf/airflow/bpe_pipeline_dag.py}) submits, one spark-submit
 * a stage, and that {@code PipelineDefinitionTest} runs embedded.
 *
 * <p>Rendering, the same as the DAG's {@code render_stage_args} (the test checks they agree): a
 * stage's command line is its command followed by its args; in each arg, {@code {name}} is replaced by
 * param {@code name} (a string as is, an integer in decimal; anything else is refused); an arg that
 * names a list param becomes one arg per item, none for an empty list. Given params replace the
 * definition's defaults. Each stage's Spark settings are for spark-submit and are not read here.
 */
public final class PipelineDefinition {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)\\}");

    /** A stage: its id (the DAG's task id), its {@code PipelineCli} command, and its argument templates. */
    public record Stage(String id, String command, List<String> args) {
    }

    private final String mainClass;
    private final ObjectNode defaults;
    private final List<Stage> stages;

    private PipelineDefinition(String mainClass, ObjectNode defaults, List<Stage> stages) {
        this.mainClass = mainClass;
        this.defaults = defaults;
        this.stages = stages;
    }

    public static PipelineDefinition read(Path file) throws IOException {
        JsonNode root = Metrics.JSON.readTree(file.toFile());
        String source = file.toString();
        if (!root.path("params").isObject()) {
            throw new IllegalArgumentException(source + ": \"params\" must be an object of default params");
        }
        List<Stage> stages = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (JsonNode stage : required(root, "stages", source)) {
            String id = required(stage, "id", source).asText();
            if (!ids.add(id)) {
                throw new IllegalArgumentException(source + ": two stages have the id " + id);
            }
            List<String> args = new ArrayList<>();
            for (JsonNode arg : required(stage, "args", source)) {
                if (!arg.isTextual()) {
                    throw new IllegalArgumentException(source + ": stage " + id + ": every arg must be a string, got " + arg);
                }
                args.add(arg.textValue());
            }
            stages.add(new Stage(id, required(stage, "command", source).asText(), List.copyOf(args)));
        }
        return new PipelineDefinition(required(root, "main_class", source).asText(), (ObjectNode) root.get("params"),
                List.copyOf(stages));
    }

    private static JsonNode required(JsonNode node, String field, String source) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(source + ": \"" + field + "\" is required in " + node);
        }
        return value;
    }

    /** The class spark-submit runs: {@code PipelineCli}. */
    public String mainClass() {
        return mainClass;
    }

    /** The stages in the order they run. */
    public List<Stage> stages() {
        return stages;
    }

    /** A stage's command line (command first) for params, a JSON object that overrides the defaults. */
    public List<String> commandLine(Stage stage, ObjectNode params) {
        ObjectNode values = defaults.deepCopy().setAll(params);
        List<String> line = new ArrayList<>();
        line.add(stage.command());
        for (String template : stage.args()) {
            Set<String> lists = new TreeSet<>();
            Matcher names = PLACEHOLDER.matcher(template);
            while (names.find()) {
                String name = names.group(1);
                if (!values.has(name)) {
                    throw new IllegalArgumentException("stage " + stage.id() + ": '" + template + "' names no param " + name);
                }
                if (values.get(name).isArray()) {
                    lists.add(name);
                }
            }
            if (lists.size() > 1) {
                throw new IllegalArgumentException("stage " + stage.id() + ": '" + template
                        + "' names more than one list param: " + lists);
            }
            String listName = lists.isEmpty() ? null : lists.iterator().next();
            Iterable<JsonNode> items = listName == null ? Collections.singletonList(null) : values.get(listName);
            for (JsonNode item : items) {
                line.add(PLACEHOLDER.matcher(template).replaceAll(match -> {
                    String name = match.group(1);
                    return Matcher.quoteReplacement(text(name.equals(listName) ? item : values.get(name), name));
                }));
            }
        }
        return line;
    }

    private static String text(JsonNode value, String name) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        throw new IllegalArgumentException("param " + name + " must be a string or an integer, got " + value);
    }
}

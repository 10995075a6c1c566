package org.bpespark.jobs.cli;

import java.util.List;
import org.bpespark.jobs.BpeMergeJob;
import picocli.CommandLine.Option;

/** Checkpointing of the merge loop. */
public final class CheckpointOptions {
    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "Where the merge loop checkpoints (default: the output folder's name + .checkpoint).")
    String dir;

    @Option(names = "--checkpoint-every", defaultValue = "1000", paramLabel = "N",
            description = "Checkpoint every N merges (default: ${DEFAULT-VALUE}).")
    int everyMerges;

    @Option(names = "--checkpoint-seconds", defaultValue = "60", paramLabel = "T",
            description = "... or every T seconds, whichever comes first (default: ${DEFAULT-VALUE}).")
    long everySeconds;

    @Option(names = "--resume", description = "Continue from the checkpoint of an interrupted run with the same settings.")
    boolean resume;

    BpeMergeJob.Options apply(String input, int vocabSize, String output, List<String> specials, boolean overwrite) {
        if (everyMerges <= 0 || everySeconds <= 0) {
            throw new IllegalArgumentException("--checkpoint-every and --checkpoint-seconds must be positive");
        }
        return new BpeMergeJob.Options(input, vocabSize, output, specials, overwrite, dir, everyMerges, everySeconds, resume);
    }
}

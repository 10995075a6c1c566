package org.bpespark.jobs.cli;

import java.io.FileNotFoundException;
import java.io.PrintWriter;
import java.util.List;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.bpespark.jobs.io.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code spark-submit --class org.bpespark.jobs.cli.PipelineCli <jar> <command> …}
 * on a cluster, or {@code bin/pipeline <command> …} embedded.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, version = "bpe-spark 0.1.0",
        description = "Distributed byte-level BPE: train a GPT-2-style tokenizer and encode a corpus into uint16 token shards.")
public final class PipelineCli {
    /** Exit code for input the pipeline refuses (bad files, options, existing output). */
    static final int BAD_INPUT = 2;

    private static final List<Class<?>> COMMANDS = List.of(PretokenizeCommand.class, BpeMergeCommand.class,
            EncodeShardsCommand.class, TrainCommand.class, RunCommand.class, TrainLocalCommand.class,
            ExperimentsCommand.class, AccountingCommand.class);

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (for tests and the launcher). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new PipelineCli());
        // Only the command being run is added when the first argument names one: picocli reflects
        // over every option of every command it is given, a tenth of a second of each start.
        boolean named = args.length > 0 && COMMANDS.stream().anyMatch(c -> nameOf(c).equals(args[0]));
        for (Class<?> command : COMMANDS) {
            if (!named || nameOf(command).equals(args[0])) {
                cli.addSubcommand(command);
            }
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, commandLine.getErr()));
        return cli.execute(args);
    }

    private static String nameOf(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }

    private static int report(Throwable e, PrintWriter err) {
        Throwable userError = userError(e);
        if (userError != null) {
            err.println("error: " + userError.getMessage());
            return BAD_INPUT;
        }
        err.println("error: " + e);
        e.printStackTrace(err);
        return 1;
    }

    /**
     * The user's mistake behind an exception, if that is what it is; Spark wraps an executor's
     * exception, so the cause chain is searched.
     */
    static Throwable userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BadInputException || t instanceof IllegalArgumentException
                    || t instanceof FileNotFoundException || t instanceof FileAlreadyExistsException
                    || t instanceof java.nio.file.FileAlreadyExistsException) {
                return t;
            }
        }
        String text = String.valueOf(e.getMessage());
        int at = text.indexOf(BadInputException.class.getName() + ": ");
        if (at >= 0) {
            String message = text.substring(at + BadInputException.class.getName().length() + 2);
            int end = message.indexOf('\n');
            return new BadInputException(end < 0 ? message : message.substring(0, end));
        }
        return null;
    }
}

package dev.soal.router.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code soal}: the command line. {@code soal run} runs one job on the embedded default. */
@Command(name = "soal", mixinStandardHelpOptions = true, version = "soal 0.1.0",
        description = "SoAL: a size-aware router for Spark jobs. Small jobs run on Lambda, large ones on a cluster.",
        subcommands = {RunCommand.class, ServeCommand.class, UpCommand.class, DownCommand.class, StatusCommand.class, JobsCommand.class, ConsoleCommand.class, HistoryCommand.class, ProduceCommand.class, SynthCommand.class,
                GenerateListingsCommand.class})
public final class SoalCli {
    public static void main(String[] args) {
        int code = new CommandLine(new SoalCli()).execute(args);
        System.exit(code);
    }
}

package dev.soal.router.cli;

import dev.soal.core.Sizes;
import dev.soal.router.examples.ListingsGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code soal generate-listings}: the example's deterministic input at any size from 10 KB to 1 GB. */
@Command(name = "generate-listings", mixinStandardHelpOptions = true,
        description = "Write a deterministic CSV of accommodation listings of about the given size.")
final class GenerateListingsCommand implements Callable<Integer> {
    /** From this size on, a terminal shows a progress bar. */
    static final long BAR_FROM = 50L * 1024 * 1024;

    @Option(names = "--size", required = true, description = "Size such as 10KB, 50MB, 1GB.")
    String size;

    @Option(names = "--out", required = true, description = "The CSV file to write.")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        long bytes;
        try {
            bytes = Sizes.parse(size);
            // a bar on a terminal for sizes that take a while; nothing in logs and pipes
            boolean bar = bytes >= BAR_FROM && System.console() != null;
            long total = bytes;
            long rows = ListingsGenerator.write(out, bytes, seed, done -> {
                if (bar) {
                    System.err.print("\r" + ProgressBar.line(done, total, 30));
                }
            });
            if (bar) {
                System.err.println();
            }
            System.out.printf("wrote %,d listings (%s) to %s%n", rows, Sizes.format(java.nio.file.Files.size(out)), out);
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("soal generate-listings: " + e.getMessage());
            return 2;
        }
    }
}

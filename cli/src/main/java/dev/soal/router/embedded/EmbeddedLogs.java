package dev.soal.router.embedded;

import dev.soal.core.Backend;
import dev.soal.router.logs.JobLogs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the embedded default's runs leave their logs, read back for {@link JobLogs}: a Lambda attempt's lines in its
 * environment's {@code environment.log} (found by its log stream, cut from START to END of its request id, as in a
 * CloudWatch log stream), a standalone run's {@code driver.log}.
 */
public final class EmbeddedLogs {
    private EmbeddedLogs() {
    }

    /** The sources for a stack whose work folder is {@code workDir} ({@code <home>/work}). */
    public static JobLogs of(Path workDir) {
        return new JobLogs(Map.of(Backend.LAMBDA, lambda(workDir.resolve("lambda")), Backend.STANDALONE, standalone(workDir)));
    }

    static JobLogs.Source lambda(Path lambdaDir) {
        return (job, attempt, max) -> {
            if (attempt.environmentId() == null || attempt.requestId() == null) {
                return Optional.empty();
            }
            return environment(lambdaDir, attempt.environmentId()).map(dir -> {
                List<String> lines = JobLogs.invocation(read(dir.resolve("environment.log")), attempt.requestId());
                return JobLogs.last("lambda", dir.resolve("environment.log") + " (log stream " + attempt.environmentId()
                        + ", RequestId " + attempt.requestId() + ")", lines, max);
            });
        };
    }

    static JobLogs.Source standalone(Path workDir) {
        return (job, attempt, max) -> {
            Path log = workDir.resolve("standalone").resolve(job.id()).resolve("driver.log");
            return Files.isRegularFile(log) ? Optional.of(JobLogs.last("standalone", log.toString(), read(log), max)) : Optional.empty();
        };
    }

    /** The folder of the environment whose log stream is {@code stream}, under {@code <function>/<environment>/}. */
    private static Optional<Path> environment(Path lambdaDir, String stream) {
        if (!Files.isDirectory(lambdaDir)) {
            return Optional.empty();
        }
        try (Stream<Path> functions = Files.list(lambdaDir)) {
            return functions.filter(Files::isDirectory).flatMap(f -> {
                try (Stream<Path> envs = Files.list(f)) {
                    return envs.filter(e -> stream.equals(readOr(e.resolve(LocalLambdaService.LOG_STREAM_FILE)))).toList().stream();
                } catch (IOException e) {
                    return Stream.empty();
                }
            }).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readOr(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> read(Path log) {
        try {
            return Files.isRegularFile(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        } catch (java.nio.charset.MalformedInputException e) {
            try {
                return List.of(new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1).split("\n"));
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

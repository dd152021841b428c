package dev.soal.router.embedded;

import dev.soal.core.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * The embedded stack {@code soal up} left running in the background for a home: what its {@code soal serve} process
 * wrote to {@code <home>/up.json} once it answered, and removes when it stops. {@code soal run} and {@code soal serve}
 * join it (its S3 server, job store, local Lambda service and catalog) instead of starting their own.
 *
 * @param pid       the background {@code soal serve}'s process
 * @param api       its jobs API's base address (the API is under {@code /jobs})
 * @param token     the bearer token its API requires
 * @param s3        its S3 server
 * @param lambda    its local Lambda service's Invoke API ({@link LocalEnvironments} lists its environments there)
 * @param console   the console's address, with the token
 * @param policy    the policies file it was started with; null for the built-in ones
 * @param log       where its output goes
 * @param startedAt when it answered
 */
public record UpStack(long pid, URI api, String token, URI s3, URI lambda, URI console, String policy, String log, Instant startedAt) {
    public static final String FILE = "up.json";

    /** Where a home's record is. */
    public static Path file(Path home) {
        return home.resolve(FILE);
    }

    /** Writes this as the home's stack that is up, whole or not at all. */
    public void write(Path home) {
        Path target = file(home);
        Path tmp = home.resolve(FILE + "." + pid + ".tmp");
        try {
            Files.createDirectories(home);
            Files.writeString(tmp, Json.write(this), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** What the home's record says, alive or not; empty when there is none or it cannot be read. */
    public static Optional<UpStack> read(Path home) {
        Path f = file(home);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(Files.readString(f, StandardCharsets.UTF_8), UpStack.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // half-written by a crash, or not ours: as good as none
        }
    }

    /** The home's stack that is up: its record, when its process lives and its S3 server answers. */
    public static Optional<UpStack> running(Path home) {
        return read(home).filter(UpStack::alive);
    }

    /** Whether its process is still a running SoAL and its S3 server answers (a pid may have been reused by another program). */
    public boolean alive() {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        // its executable, since a long command line may be cut short where the system reads it
        Optional<String> command = p.get().info().command();
        if (command.isPresent() && !Path.of(command.get()).getFileName().toString().startsWith("java")) {
            return false;
        }
        return HostedServices.answers(s3);
    }

    /** Removes the home's record if it is still this one (a later {@code soal up} may have replaced it). */
    public void removeIfCurrent(Path home) {
        if (read(home).filter(u -> u.pid() == pid && u.startedAt().equals(startedAt)).isPresent()) {
            removeAny(home);
        }
    }

    /** Removes the home's record, whoever wrote it (one whose process is gone). */
    public static void removeAny(Path home) {
        try {
            Files.deleteIfExists(file(home));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file(home) + ": " + e.getMessage(), e);
        }
    }
}

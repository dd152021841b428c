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
 * wrote to {@code <home>/up.json} once it answered, and removes when it stops; it holds {@code <home>/up.lock} while it
 * lives, so a home has one stack up at most and a record whose process is gone is known. {@code soal run} and
 * {@code soal serve} join it (its S3 server, job store, local Lambda service and catalog) instead of starting their own.
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

    public static final String LOCK = "up.lock";
    /** The lock this process holds on its home's {@link #LOCK} while it is the home's stack that is up. */
    private static java.nio.channels.FileChannel held;

    /**
     * Takes the home's lock for as long as this process lives: one stack up per home. False when another process holds
     * it (a stack is up or starting there). Tried for a few seconds, since a command that checks holds it a moment.
     */
    public static synchronized boolean lock(Path home) {
        try {
            Files.createDirectories(home);
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(home.resolve(LOCK),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            for (int i = 0; i < 30; i++) {
                if (ch.tryLock() != null) {
                    held = ch;
                    return true;
                }
                Thread.sleep(100);
            }
            ch.close();
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + home.resolve(LOCK) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether some process holds the home's lock: a stack is up or starting there. */
    public static boolean locked(Path home) {
        Path f = home.resolve(LOCK);
        if (!Files.exists(f)) {
            return false;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true; // this process holds it
        } catch (IOException e) {
            return false;
        }
    }

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
            Files.deleteIfExists(tmp);
            ownerOnly(tmp); // it holds the API's token
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

    /** Creates {@code file}, empty, readable and writable by its owner only (where the file system has POSIX modes). */
    public static void ownerOnly(Path file) throws IOException {
        try {
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
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

    /** The home's stack that is up: its record, when its process lives and holds the home's lock. */
    public static Optional<UpStack> running(Path home) {
        return read(home).filter(u -> u.alive(home));
    }

    /**
     * Whether its process still lives and still holds the home's lock: a pid reused by another program, after a crash
     * or a reboot, holds no lock, and a stack too busy to answer at once is still up.
     */
    public boolean alive(Path home) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        return p.isPresent() && p.get().isAlive() && locked(home);
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

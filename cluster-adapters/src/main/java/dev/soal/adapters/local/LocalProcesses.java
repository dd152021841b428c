package dev.soal.adapters.local;


import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;

/**
 * Local processes (the embedded Lambda's environments, the standalone cluster's master and worker): their
 * output copied line by line to a sink and a log, and stopping one with its children.
 */
public final class LocalProcesses {
    private LocalProcesses() {
    }

    /** Copies a process's output, line by line, to {@code lines} and to {@code log}, until it ends. */
    public static void pump(java.io.InputStream output, Path log, Consumer<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8));
             Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.accept(line);
                w.write(line);
                w.write('\n');
                w.flush();
            }
        } catch (IOException e) {
            // the process went away; its exit code tells the rest
        }
    }

    /**
     * Stops a process that closes its own children when asked (SIGTERM runs its shutdown hooks): politely, then, after
     * {@code polite}, it and what it started by force. True once it is gone; false when it may not be signalled (another
     * user's) or outlived even that.
     */
    public static boolean stop(ProcessHandle p, java.time.Duration polite) {
        if (!p.isAlive()) {
            return true;
        }
        if (!p.destroy()) {
            return false;
        }
        try {
            p.onExit().get(polite.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                return true;
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException again) {
                return false;
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
                return false;
            }
        } catch (java.util.concurrent.ExecutionException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops a process and its children: politely, then after 10 s by force. */
    public static void kill(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                children.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.soal.router.serve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code soal serve} in a process of its own, for tests and benchmarks that need two routers, or one to kill:
 * started on this JVM's classpath, its addresses read from what it prints, its output kept in a log file.
 *
 * @param process the server's process: {@code destroy()} stops it as Ctrl-C would, {@code destroyForcibly()} kills it
 * @param api     the jobs API's base address ({@code http://127.0.0.1:PORT}; the API is under {@code /jobs})
 * @param token   the bearer token its API requires (the one given, or the one it made up and printed)
 * @param s3      the S3 server it hosts or joined
 * @param log     where its output goes
 */
public record ServeProcess(Process process, URI api, String token, URI s3, Path log) implements AutoCloseable {
    private static final Pattern API = Pattern.compile("jobs API on (http://\\S+)/jobs");
    private static final Pattern TOKEN = Pattern.compile("^  token: (\\S+)");
    private static final Pattern S3 = Pattern.compile("(?:embedded S3 at|joined the S3 server at) (http://\\S+)");

    /**
     * Starts {@code soal serve --port 0 --home HOME [--token TOKEN] ARGS...} in {@code root} and waits until it prints
     * its addresses.
     *
     * @param root  the checkout (its {@code policies/}, {@code examples/}, built runtime)
     * @param token null to let it make one up
     */
    public static ServeProcess start(Path root, Path home, String token, List<String> args) throws IOException {
        Files.createDirectories(home);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dsoal.home=" + root, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), "dev.soal.router.cli.SoalCli", "serve", "--port", "0",
                "--home", home.toString()));
        if (token != null) {
            cmd.addAll(List.of("--token", token));
        }
        cmd.addAll(args);
        Path log = home.resolve("serve.log");
        Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        Deque<String> last = new ArrayDeque<>();
        URI api = null;
        URI s3 = null;
        String printedToken = null;
        String line;
        while ((api == null || s3 == null || printedToken == null) && (line = out.readLine()) != null) {
            file.write(line + "\n");
            last.addLast(line);
            if (last.size() > 20) {
                last.removeFirst();
            }
            Matcher m = API.matcher(line);
            if (m.find()) {
                api = URI.create(m.group(1));
            }
            m = TOKEN.matcher(line);
            if (m.find()) {
                printedToken = m.group(1);
            }
            m = S3.matcher(line);
            if (m.find()) {
                s3 = URI.create(m.group(1));
            }
        }
        file.flush();
        if (api == null || s3 == null || printedToken == null) {
            p.destroyForcibly();
            file.close();
            throw new IllegalStateException("soal serve did not start (" + String.join(" ", args) + "); it printed:\n"
                    + String.join("\n", last));
        }
        Thread drain = new Thread(() -> {
            try (file; out) {
                for (String l; (l = out.readLine()) != null; ) {
                    file.write(l + "\n");
                    file.flush();
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "serve-log " + home.getFileName());
        drain.setDaemon(true);
        drain.start();
        return new ServeProcess(p, api, printedToken, s3, log);
    }

    /** What it printed so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops it as Ctrl-C would (its shutdown hook closes the stack) and waits for it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

package dev.soal.router.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the embedded default's server processes (the Kafka broker, the Kinesis server) share: loopback ports, waiting
 * for one to listen, and stopping the process.
 */
final class ServerProcesses {
    private ServerProcesses() {
    }

    /** Whether something listens on {@code port} of 127.0.0.1. */
    static boolean portTaken(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A loopback port free now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code process} listens on {@code port}; a clear error naming its log when it stops or takes too long. */
    static void awaitListening(Process process, int port, long deadlineNanos, String what, Path log) throws InterruptedException {
        while (!portTaken(port)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(what + " stopped as it started (exit " + process.exitValue() + "); see " + log);
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException(what + " did not listen on 127.0.0.1:" + port + " in time; see " + log);
            }
            Thread.sleep(200);
        }
    }

    /** Stops the process: asked first, forced after 15 s. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}

package dev.soal.router.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Lambda's execution environment, as far as this machine allows. With bubblewrap ({@code bwrap}, the
 * Debian package {@code bubblewrap}): the whole file system read-only except the environment's own
 * {@code /tmp}, its own user, PID and IPC namespaces, and the process dies with the service. Always:
 * {@code ulimit -n 1024} and {@code -u 1024} (Lambda's limits, through {@code prlimit}), a cleared
 * environment (the service sets only what Lambda sets), and a working directory it cannot write to (the
 * read-only root) or with nothing in it.
 * Without bubblewrap the root stays writable and the thread limit does not bind root: the service says
 * so when it starts ({@link #describe()}).
 */
public final class LambdaSandbox {
    /** Lambda's limits on open files and on processes/threads. */
    public static final int MAX_OPEN_FILES = 1024;
    public static final int MAX_PROCESSES = 1024;
    static final String BWRAP = "/usr/bin/bwrap";
    static final String PRLIMIT = "/usr/bin/prlimit";

    private final boolean bubblewrap;
    private final boolean prlimit;

    LambdaSandbox(boolean bubblewrap, boolean prlimit) {
        this.bubblewrap = bubblewrap;
        this.prlimit = prlimit;
    }

    /** What this machine offers: bubblewrap if it is installed and can make a user namespace here. */
    public static LambdaSandbox detect() {
        boolean limits = Files.isExecutable(Path.of(PRLIMIT));
        if (!Files.isExecutable(Path.of(BWRAP)) || "none".equals(System.getenv("SOAL_LAMBDA_SANDBOX"))) {
            return new LambdaSandbox(false, limits);
        }
        return new LambdaSandbox(works(List.of(BWRAP, "--ro-bind", "/", "/", "--unshare-user", "--unshare-pid",
                "--die-with-parent", "/bin/true")), limits);
    }

    /** No isolation at all: only the cleared environment and the empty working directory (tests of the service). */
    public static LambdaSandbox none() {
        return new LambdaSandbox(false, false);
    }

    private static boolean works(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public boolean readOnlyRoot() {
        return bubblewrap;
    }

    /** One line for the service's log: what is enforced and what is not. */
    public String describe() {
        if (bubblewrap) {
            return "bubblewrap: read-only root, a private /tmp, own user/pid/ipc namespaces, "
                    + (prlimit ? "ulimit -n " + MAX_OPEN_FILES + " -u " + MAX_PROCESSES : "no prlimit, so no ulimits");
        }
        return "no bubblewrap (install the Debian package bubblewrap for a read-only root): /tmp is redirected, not enforced; "
                + (prlimit ? "ulimit -n " + MAX_OPEN_FILES + " -u " + MAX_PROCESSES + " (-u does not bind root)" : "no ulimits");
    }

    /** Where the environment sees its {@code /tmp}: {@code /tmp} itself in bubblewrap, else the host folder. */
    public String tmpInside(Path hostTmp) {
        return bubblewrap ? "/tmp" : hostTmp.toString();
    }

    /**
     * The command that starts {@code java} (and its arguments) inside the sandbox, with {@code hostTmp}
     * as its {@code /tmp}; its working directory is {@code taskRoot} (an empty folder), or the read-only root
     * inside bubblewrap. {@code code} (the classpath's folders) stays visible where it is, read-only, even
     * when it lies under the host's {@code /tmp} (a checkout in a temporary folder), which the environment's
     * own {@code /tmp} would otherwise hide.
     */
    public List<String> wrap(List<String> java, Path hostTmp, Path taskRoot, List<Path> code) {
        List<String> cmd = new ArrayList<>();
        if (bubblewrap) {
            cmd.addAll(List.of(BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                    "--bind", hostTmp.toString(), "/tmp"));
            for (Path c : code) {
                if (c.toAbsolutePath().startsWith("/tmp")) {
                    cmd.addAll(List.of("--ro-bind", c.toAbsolutePath().toString(), c.toAbsolutePath().toString()));
                }
            }
            cmd.addAll(List.of("--unshare-user", "--unshare-pid", "--unshare-ipc",
                    // the working directory is the read-only root: the task folder may itself lie under the host's /tmp
                    "--die-with-parent", "--chdir", "/", "--"));
        }
        if (prlimit) {
            cmd.addAll(List.of(PRLIMIT, "--nofile=" + MAX_OPEN_FILES + ":" + MAX_OPEN_FILES,
                    "--nproc=" + MAX_PROCESSES + ":" + MAX_PROCESSES, "--"));
        }
        cmd.addAll(java);
        return cmd;
    }
}

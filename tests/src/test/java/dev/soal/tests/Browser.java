package dev.soal.tests;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium for the console's browser tests, from the machine's packages: Debian's {@code chromium} and
 * {@code chromium-driver}, installed with apt-get when missing and this user may (root, or sudo without a password).
 * When no browser can be had, {@link #unavailable()} says why, and the tests skip with that reason.
 */
final class Browser {
    private static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    private static final List<String> DRIVERS = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    private Browser() {
    }

    private static Optional<String> first(List<String> paths) {
        return paths.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst();
    }

    /** Why no browser can be had here, after trying to install one; empty when one can. */
    static synchronized Optional<String> unavailable() {
        if (first(BROWSERS).isPresent() && first(DRIVERS).isPresent()) {
            return Optional.empty();
        }
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return Optional.of("no chromium and chromedriver in /usr/bin, and no apt-get to install them");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> cmd = root ? List.of("apt-get", "install", "-y", "-q", "chromium", "chromium-driver")
                : List.of("sudo", "-n", "apt-get", "install", "-y", "-q", "chromium", "chromium-driver");
        List<String> update = root ? List.of("apt-get", "update", "-q") : List.of("sudo", "-n", "apt-get", "update", "-q");
        try {
            System.out.println("installing the browser for the console's tests: " + String.join(" ", cmd));
            // a machine whose package lists are stale or empty installs after refreshing them
            if (!run(cmd) && !(run(update) && run(cmd))) {
                return Optional.of("could not install chromium and chromium-driver with " + String.join(" ", cmd)
                        + " (after " + String.join(" ", update) + ")");
            }
        } catch (java.io.IOException e) {
            return Optional.of("could not run " + String.join(" ", cmd) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while installing chromium");
        }
        return first(BROWSERS).isPresent() && first(DRIVERS).isPresent() ? Optional.empty()
                : Optional.of("apt-get installed chromium, but no browser or driver is where it should be");
    }

    private static boolean run(List<String> cmd) throws java.io.IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    /** A headless Chromium at a laptop's screen size, driven through the machine's chromedriver (no download). */
    static ChromeDriver start() {
        ChromeOptions options = new ChromeOptions().setBinary(first(BROWSERS).orElseThrow())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(first(DRIVERS).orElseThrow()))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}

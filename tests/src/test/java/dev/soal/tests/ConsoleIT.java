package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.examples.ListingsGenerator;
import dev.soal.router.serve.LocalServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jobs console in a real browser (headless Chromium) against {@code soal serve} with real jobs: the list shows
 * them, a filter narrows it, a job's page shows its reasons and timeline, and cancel works; screenshots go to
 * {@code target/console-*.png}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ConsoleIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();

    private static void until(String what, Supplier<Boolean> done) throws InterruptedException {
        long end = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < end) {
            try {
                if (done.get()) {
                    return;
                }
            } catch (org.openqa.selenium.WebDriverException e) {
                // the page is re-rendering: look again
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting until " + what);
    }

    private static JobRecord ended(EmbeddedStack stack, String id) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            JobRecord j = stack.jobs().refresh(id);
            if (j.state().isTerminal()) {
                return j;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("job " + id + " did not end");
    }

    private static void screenshot(WebDriver driver, String name) throws Exception {
        Path shot = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE).toPath();
        Path to = ROOT.resolve("tests/target/" + name);
        Files.createDirectories(to.getParent());
        Files.copy(shot, to, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(to)).as("a PNG screenshot").isGreaterThan(10_000);
        System.out.println("screenshot: " + to);
    }

    @Test
    void theConsole_listsRealJobs_filtersThem_showsAJobsReasonsAndTimeline_andCancels() throws Exception {
        java.util.Optional<String> why = Browser.unavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "no browser for the console's test: " + why.orElse(""));
        Path home = Files.createTempDirectory("soal-console-it");
        Policies policies = PolicyLoader.load(Path.of(getClass().getResource("/it-policies.yaml").toURI()));
        try (EmbeddedStack stack = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(ROOT), policies, System.out::println);
             LocalServer server = LocalServer.start(stack, policies, 0, null, System.out)) {
            String stats = stack.upload(ROOT.resolve("examples/listings/neighbourhood_stats.sql"), EmbeddedStack.SCRIPTS, "stats.sql");
            Path bad = Files.writeString(home.resolve("bad.sql"), "SELECT no_such_column FROM range(3)\n");
            String broken = stack.upload(bad, EmbeddedStack.SCRIPTS, "bad.sql");
            String slow = stack.upload(Path.of(getClass().getResource("/spill/slow.sql").toURI()), EmbeddedStack.SCRIPTS, "slow.sql");
            Path csv = home.resolve("listings.csv");
            ListingsGenerator.write(csv, 40 * 1024, 9);
            String input = stack.upload(csv, EmbeddedStack.DATA, "console/listings.csv");

            String ok = stack.jobs().submit(new JobRequest(stats, null, List.of(input), null, null, null, null, null)).job().id();
            String failed = stack.jobs().submit(new JobRequest(broken, null, List.of(input), null, null, null, null, null)).job().id();
            assertThat(ended(stack, ok).state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(ended(stack, failed).state()).isEqualTo(JobState.FAILED);
            String running = stack.jobs().submit(new JobRequest(slow, null, List.of(input), null, null, null, null, null)).job().id();

            WebDriver driver = Browser.start();
            try {
                // the page loads without the token; its API calls carry the one from its address
                driver.get(server.consoleUri().toString());
                until("the list shows the three jobs", () -> {
                    String table = driver.findElement(By.id("jobs")).getText();
                    return table.contains(ok) && table.contains(failed) && table.contains(running);
                });
                assertThat(driver.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token=");
                until("the charts are drawn", () -> driver.findElements(By.cssSelector("#charts figure")).size() == 4);
                screenshot(driver, "console-list.png");

                driver.findElement(By.cssSelector("#f-state option[value='FAILED']")).click();
                until("the filter leaves the failed job alone", () -> {
                    String table = driver.findElement(By.id("jobs")).getText();
                    return table.contains(failed) && !table.contains(ok) && !table.contains(running);
                });
                driver.findElement(By.cssSelector("#f-state option[value='']")).click();

                until("the succeeded job's link is there", () -> !driver.findElements(By.linkText(ok)).isEmpty());
                driver.findElement(By.linkText(ok)).click();
                until("the job's page shows its reasons", () -> driver.findElement(By.id("reasons")).getText().contains("-> lambda"));
                String timeline = driver.findElement(By.id("timeline")).getText();
                assertThat(timeline).contains("QUEUED").contains("RUNNING").contains("SUCCEEDED").contains("decided: lambda");
                assertThat(driver.findElements(By.id("cancel"))).as("an ended job cannot be cancelled").isEmpty();
                assertThat(driver.findElement(By.tagName("main")).getText()).contains("Decision").contains("spills over to")
                        .contains(input);
                until("the job's page shows its log", () -> driver.findElement(By.id("logs")).getText().contains("START RequestId: "));
                assertThat(driver.findElement(By.id("logs")).getText()).contains("statement 1/");
                // its objects beside where the embedded S3 server keeps them
                String output = stack.jobs().get(ok).request().outputUri();
                assertThat(driver.findElements(By.cssSelector("code.local"))).extracting(WebElement::getText)
                        .anyMatch(t -> t.endsWith("/soal-output/" + output.substring("s3://soal-output/".length())));
                // its Spark application, linked to soal history
                String app = stack.jobs().get(ok).sparkApplicationId();
                assertThat(app).isNotBlank();
                assertThat(driver.findElement(By.id("spark-ui")).getAttribute("href"))
                        .isEqualTo("http://127.0.0.1:18080/history/" + app + "/");
                screenshot(driver, "console-job.png");

                driver.get(server.uri() + "/#/jobs/" + running);
                until("the running job offers to cancel", () -> !driver.findElements(By.id("cancel")).isEmpty());
                WebElement cancel = driver.findElement(By.id("cancel"));
                assertThat(cancel.getAccessibleName()).isEqualTo("Cancel job");
                cancel.click();
                until("the job is being cancelled", () -> {
                    JobState s = stack.jobs().get(running).state();
                    return s == JobState.CANCELLING || s == JobState.CANCELLED;
                });
                until("the page says so", () -> {
                    String text = driver.findElement(By.tagName("h2")).getText();
                    return text.contains("CANCELLING") || text.contains("CANCELLED");
                });
            } finally {
                driver.quit();
            }
        }
    }
}

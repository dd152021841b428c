package dev.soal.router.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code soal run} as a user calls it: dry runs and bad input (nothing here starts Spark). */
class RunCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private int soal(String... args) {
        return new CommandLine(new SoalCli()).execute(args);
    }

    @Test
    void dryRun_printsTheDecisionAndSubmitsNothing() throws Exception {
        Path script = Files.writeString(dir.resolve("job.sql"), "SELECT 1");
        Path input = Files.writeString(dir.resolve("data.csv"), "a\n1\n");

        int code = soal("run", "--dry-run", "--home", dir.resolve("home").toString(),
                "--script", script.toString(), "--input", input.toString());

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("measured: 4 B in 1 object", "decision: lambda",
                "input 4 B <= lambda.maxInputBytes 400 MB -> lambda", "dry run: nothing submitted");
        assertThat(dir.resolve("home/s3/soal-jobs")).isEmptyDirectory();
    }

    @Test
    void badPolicy_exits2_namingLineAndField() throws Exception {
        Path policy = Files.writeString(dir.resolve("p.yaml"), "version: 1\nlambda:\n  maxInputBytes: lots\n");
        int code = soal("run", "--policy", policy.toString(), "--script", "x.sql", "--input", "y.csv");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("p.yaml:3: lambda.maxInputBytes: expected a size such as 400MB or 1.5GB, but was 'lots'");
    }

    @Test
    void missingInputFile_exits2() throws Exception {
        Path script = Files.writeString(dir.resolve("job.sql"), "SELECT 1");
        int code = soal("run", "--dry-run", "--home", dir.resolve("home").toString(),
                "--script", script.toString(), "--input", dir.resolve("nope.csv").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("no such file or folder").contains("nope.csv");
    }

    @Test
    void generateListings_isDeterministic() throws Exception {
        assertThat(soal("generate-listings", "--size", "20KB", "--out", dir.resolve("a.csv").toString())).isZero();
        assertThat(soal("generate-listings", "--size", "20KB", "--out", dir.resolve("b.csv").toString())).isZero();
        assertThat(Files.readAllBytes(dir.resolve("a.csv"))).isEqualTo(Files.readAllBytes(dir.resolve("b.csv")));
        assertThat(Files.size(dir.resolve("a.csv"))).isBetween(20L * 1024, 21L * 1024);
        assertThat(soal("generate-listings", "--size", "2GB", "--out", dir.resolve("c.csv").toString())).isEqualTo(2);
    }
}

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

/** {@code soal serve}'s refusals before it serves anything: each exits 2 and says what is wrong. */
class ServeCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(oldErr);
    }

    private int serve(String... args) {
        String[] all = new String[args.length + 5];
        System.arraycopy(new String[]{"serve", "--port", "0", "--home", dir.resolve("home").toString()}, 0, all, 0, 5);
        System.arraycopy(args, 0, all, 5, args.length);
        return new CommandLine(new SoalCli()).execute(all);
    }

    @Test
    void anInputThatIsNotThere_exits2_namingIt_andUploadsNothing() throws Exception {
        Path script = Files.writeString(dir.resolve("job.sql"), "SELECT 1");
        int code = serve("--simulate-runs", "0", "--script", script.toString(), "--input", dir.resolve("nope.csv").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("soal serve: no such input file or folder: " + dir.resolve("nope.csv"));
        assertThat(dir.resolve("home/s3/soal-scripts")).isEmptyDirectory();
    }

    @Test
    void joiningAnS3ServerThatIsNotThere_exits2_namingIt() {
        int code = serve("--s3-endpoint", "http://127.0.0.1:1");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("soal serve: cannot start with the S3 server at http://127.0.0.1:1");
    }
}

package dev.soal.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The build's AppCDS step keeps its training job's output to itself, unless the job fails. */
class CdsArchiveTest {
    @TempDir
    Path dir;

    @Test
    void aTrainingJobThatFails_showsItsOutput_andFailsTheStep() throws Exception {
        Path archive = dir.resolve("runtime.jsa");
        PrintStream err = System.err;
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        System.setErr(new PrintStream(shown, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = CdsArchive.dump(archive, dir.resolve("no-such.jar").toString()); // the job's classes are missing
        } finally {
            System.setErr(err);
        }
        assertThat(exit).isNotZero();
        assertThat(archive).doesNotExist();
        assertThat(shown.toString(StandardCharsets.UTF_8)).contains("the training job failed")
                .contains(CdsArchive.class.getName()); // the JVM's own words: it could not find the class
        assertThat(Files.readString(dir.resolve("runtime.jsa.log"))).contains(CdsArchive.class.getName());
    }
}

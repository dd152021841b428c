package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * There is no Docker engine here, so the runtime image is checked from its Dockerfile and the build:
 * the base is AWS's Java 17/21 Lambda image, everything it copies is produced by the build, Spark's
 * jars come in a layer before SoAL's code, the module options reach the JVM through JAVA_TOOL_OPTIONS,
 * and CMD names the handler the local Lambda runs, which the runner jar holds.
 */
class RuntimeImageIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final Path CONTEXT = ROOT.resolve("lambda-runtime");

    @Test
    void theDockerfile_buildsFromWhatTheBuildMakes_andRunsTheLocalHandler() throws Exception {
        List<String> lines = logicalLines(Files.readAllLines(CONTEXT.resolve("Dockerfile")));

        assertThat(lines.get(0)).matches("FROM public\\.ecr\\.aws/lambda/java:(17|21)(\\.\\S+)?");

        List<String> copies = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("COPY ")) {
                String[] parts = line.split("\\s+");
                assertThat(parts).as(line).hasSize(3);
                Path source = CONTEXT.resolve(parts[1]);
                assertThat(source).as("copied by: " + line).exists();
                if (Files.isDirectory(source)) {
                    try (Stream<Path> files = Files.list(source)) {
                        assertThat(files.count()).as("files in " + source).isPositive();
                    }
                }
                copies.add(parts[1]);
            }
        }
        // .dockerignore keeps the build context (and cdk deploy's asset) to what is copied: every source gets in
        List<String> admitted = Files.readAllLines(CONTEXT.resolve(".dockerignore")).stream()
                .filter(l -> l.startsWith("!")).map(l -> l.substring(1).replaceAll("/$", "")).toList();
        assertThat(Files.readAllLines(CONTEXT.resolve(".dockerignore"))).contains("*");
        for (String source : copies) {
            String path = source.replaceAll("/$", "");
            assertThat(admitted).as(".dockerignore admits " + path).anyMatch(a -> path.equals(a) || path.startsWith(a + "/"));
        }
        // Spark's jars first, SoAL's runner last: a code change rebuilds only the last layer
        assertThat(copies).first().asString().startsWith("target/spark-home/jars");
        assertThat(copies).last().asString().isEqualTo("target/soal-runner.jar");

        String env = lines.stream().filter(l -> l.startsWith("ENV ")).findFirst().orElseThrow();
        Matcher options = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"").matcher(env);
        assertThat(options.find()).as(env).isTrue();
        assertThat(options.group(1).split(" ")).containsAll(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        assertThat(env).contains("SPARK_LOCAL_IP=127.0.0.1").contains("SOAL_TMP_DIR=/tmp");

        String cmd = lines.stream().filter(l -> l.startsWith("CMD ")).reduce((a, b) -> b).orElseThrow();
        assertThat(cmd).isEqualTo("CMD [\"" + RuntimeArtifacts.LAMBDA_HANDLER + "\"]");
        String handlerClass = RuntimeArtifacts.LAMBDA_HANDLER.substring(0, RuntimeArtifacts.LAMBDA_HANDLER.indexOf("::"));
        try (JarFile runner = new JarFile(RuntimeArtifacts.inCheckout(ROOT).runnerJar().toFile())) {
            assertThat(runner.getEntry(handlerClass.replace('.', '/') + ".class")).as(handlerClass + " in the runner jar").isNotNull();
            assertThat(runner.getEntry("dev/soal/runtime/CdsArchive.class")).as("the image's AppCDS step").isNotNull();
        }

        // the entry point starts what the local Lambda service starts: the runtime interface client, the CDS archive
        assertThat(lines).contains("ENTRYPOINT [\"/var/task/bootstrap\"]");
        String bootstrap = Files.readString(CONTEXT.resolve("src/image/bootstrap"));
        assertThat(bootstrap).contains(dev.soal.router.embedded.LocalLambdaService.RIC_MAIN + " \"$@\"")
                .contains("-XX:SharedArchiveFile=/var/task/soal-runtime.jsa");
        RuntimeArtifacts.LAMBDA_JAVA_OPTIONS.forEach(o -> assertThat(bootstrap).contains(" " + o + " "));
        assertThat(lines).anyMatch(l -> l.startsWith("RUN ") && l.contains("dev.soal.runtime.CdsArchive")
                && l.contains("/soal-runtime.jsa"));
    }

    /** Dockerfile lines with continuations joined and comments dropped. */
    private static List<String> logicalLines(List<String> raw) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : raw) {
            String t = line.strip();
            if (current.length() == 0 && (t.isEmpty() || t.startsWith("#"))) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
            } else {
                out.add(current.append(t).toString().replaceAll("\\s+", " ").strip());
                current.setLength(0);
            }
        }
        return out;
    }
}

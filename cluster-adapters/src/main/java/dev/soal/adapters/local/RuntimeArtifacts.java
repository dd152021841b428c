package dev.soal.adapters.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the embedded stack runs: the runner jar, a SPARK_HOME made of Spark's Maven jars, and Lambda's
 * runtime interface client, all built by the {@code lambda-runtime} module ({@code target/soal-runner.jar},
 * {@code target/spark-home}, {@code target/lambda-ric}).
 */
public record RuntimeArtifacts(Path runnerJar, Path sparkHome) {

    /** The runtime's handler as Lambda names it: the image's CMD, and what the local Lambda service runs. */
    public static final String LAMBDA_HANDLER = "dev.soal.runtime.SparkLambdaHandler::handleRequest";

    /** Spark 3.5 on Java 17 needs these module options in every JVM that runs Spark. */
    public static final List<String> SPARK_JAVA_OPTIONS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

    /**
     * JVM options of a Lambda execution environment beyond Spark's module options, locally and in the image:
     * the serial collector (on one or two vCPUs G1's concurrent threads compete with the job; bench/small-path.sh
     * measured the warm 50 MB job at 3.6 s with it against 4.9 s without).
     */
    public static final List<String> LAMBDA_JAVA_OPTIONS = List.of("-XX:+UseSerialGC");

    /** Throws, saying how to build them, unless both artifacts are there; called before anything runs. */
    public RuntimeArtifacts requireBuilt() {
        if (!Files.isRegularFile(runnerJar)) {
            throw new IllegalStateException("runner jar not found at " + runnerJar
                    + "; build it with: mvn -DskipTests package");
        }
        if (!Files.isDirectory(ricDir())) {
            throw new IllegalStateException("Lambda's runtime interface client not found at " + ricDir()
                    + "; build it with: mvn -DskipTests package");
        }
        if (!Files.isDirectory(sparkHome.resolve("jars"))) {
            throw new IllegalStateException("SPARK_HOME not found at " + sparkHome
                    + " (expected a jars/ folder); build it with: mvn -DskipTests package");
        }
        return this;
    }

    /** The artifacts under a source checkout: {@code <root>/lambda-runtime/target/...}. */
    public static RuntimeArtifacts inCheckout(Path root) {
        Path target = root.resolve("lambda-runtime").resolve("target");
        return new RuntimeArtifacts(target.resolve("soal-runner.jar"), target.resolve("spark-home"));
    }

    /**
     * The embedded Kafka broker's jars ({@code embedded-kafka/target/kafka-home}), beside the runtime's in the checkout
     * ({@code <root>/lambda-runtime/target/soal-runner.jar}).
     */
    public Path kafkaHome() {
        return runnerJar.toAbsolutePath().getParent().getParent().getParent().resolve("embedded-kafka").resolve("target")
                .resolve("kafka-home");
    }

    /**
     * The embedded Kinesis server ({@code embedded-kinesis/target/kinesis-home/package/main.js}, kinesis-mock for
     * Node.js), beside the runtime's in the checkout.
     */
    public Path kinesisHome() {
        return runnerJar.toAbsolutePath().getParent().getParent().getParent().resolve("embedded-kinesis").resolve("target")
                .resolve("kinesis-home").resolve("package");
    }

    /** Classpath of Spark's own jars plus its conf folder (log4j2.properties). */
    public String sparkClasspath() {
        return sparkHome.resolve("conf") + java.io.File.pathSeparator + sparkHome.resolve("jars") + java.io.File.separator + "*";
    }

    /** Lambda's runtime interface client and its jars, as the Java images carry them in /var/runtime/lib. */
    public Path ricDir() {
        return runnerJar.resolveSibling("lambda-ric");
    }

    /**
     * The classpath of a Lambda execution environment: the runtime interface client, then the function's
     * code (the runner jar, Spark's jars), as the image lays them out. Jars only: AppCDS refuses a classpath
     * with a non-empty folder (logging is configured with {@code -Dlog4j2.configurationFile} instead).
     */
    public String lambdaClasspath() {
        return ricDir() + java.io.File.separator + "*" + java.io.File.pathSeparator + runnerJar
                + java.io.File.pathSeparator + sparkHome.resolve("jars") + java.io.File.separator + "*";
    }

    /**
     * The AppCDS archive of the environments' classes, made by the build for {@link #lambdaClasspath()}
     * (it serves only that classpath and this JDK; a JVM that cannot use it starts without it).
     */
    public Path cdsArchive() {
        return runnerJar.resolveSibling("soal-runtime.jsa");
    }

    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public String sparkJavaOptionsLine() {
        return String.join(" ", SPARK_JAVA_OPTIONS);
    }
}

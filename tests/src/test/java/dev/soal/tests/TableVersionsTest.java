package dev.soal.tests;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/tables.md's version table says what the build makes for the paths SoAL ships Spark on. */
class TableVersionsTest {
    private static final Path ROOT = RuntimeFixture.ROOT;

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertThat(m.find()).as(name + " in the parent POM").isTrue();
        return m.group(1).trim();
    }

    @Test
    void theLambdaImageAndStandaloneRows_matchTheBuild() throws Exception {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String spark = property(pom, "spark.version");
        String scala = property(pom, "scala.binary.version");
        String iceberg = property(pom, "iceberg.version");
        String delta = property(pom, "delta.version");
        String hudi = property(pom, "hudi.version");
        String java = property(pom, "maven.compiler.release");
        List<String> rows = Files.readAllLines(ROOT.resolve("docs/tables.md")).stream().filter(l -> l.startsWith("| ")).toList();
        for (String path : List.of("Lambda image", "standalone cluster")) {
            String row = rows.stream().filter(r -> r.startsWith("| " + path)).findFirst().orElseThrow(() -> new AssertionError(path + " row"));
            String[] cells = row.split("\\|");
            assertThat(cells[2].trim()).as(path + " Spark").isEqualTo(spark);
            assertThat(cells[3].trim()).as(path + " Scala").isEqualTo(scala);
            assertThat(cells[4].trim()).as(path + " Java").isEqualTo(java);
            assertThat(cells[5].trim()).as(path + " Iceberg").isEqualTo(iceberg);
            assertThat(cells[6].trim()).as(path + " Delta").isEqualTo(delta);
            assertThat(cells[7].trim()).as(path + " Hudi").isEqualTo(hudi);
        }
        Path jars = ROOT.resolve("lambda-runtime/target/spark-home/jars");
        assertThat(jars.resolve("spark-sql_" + scala + "-" + spark + ".jar")).exists();
        assertThat(jars.resolve("iceberg-spark-runtime-3.5_" + scala + "-" + iceberg + ".jar")).exists();
        assertThat(jars.resolve("delta-spark_" + scala + "-" + delta + ".jar")).exists();
        assertThat(jars.resolve("delta-storage-" + delta + ".jar")).exists();
        assertThat(jars.resolve("hudi-spark3.5-bundle_" + scala + "-" + hudi + ".jar")).exists();
        // the Hive classes Hudi reads Parquet through, at the Hive version Spark 3.5 builds with, and no metastore
        String hive = property(pom, "hive.version");
        for (String module : List.of("hive-exec-" + hive + "-core", "hive-common-" + hive, "hive-serde-" + hive,
                "spark-hive_" + scala + "-" + spark)) {
            assertThat(jars.resolve(module + ".jar")).exists();
        }
        assertThat(Files.list(jars).map(j -> j.getFileName().toString()))
                .noneMatch(n -> n.startsWith("hive-metastore") || n.startsWith("derby"));
        // the Glue Data Catalog's client, at the SDK version the image has for S3
        String sdk = Files.list(jars).map(j -> j.getFileName().toString()).filter(n -> n.matches("s3-[0-9.]+\\.jar"))
                .findFirst().orElseThrow().replaceAll("s3-|\\.jar", "");
        for (String module : List.of("glue", "kms", "sts")) {
            assertThat(jars.resolve(module + "-" + sdk + ".jar")).exists();
        }
        assertThat(Files.list(jars).map(j -> j.getFileName().toString())).noneMatch(n -> n.startsWith("iceberg-aws-bundle"));
    }

    @Test
    void theAwsRows_nameTheReleasesTheStackDeploys() throws Exception {
        String stack = Files.readString(ROOT.resolve("cdk/src/main/java/dev/soal/cdk/SoalStack.java"));
        String table = Files.readString(ROOT.resolve("docs/tables.md"));
        Matcher emr = Pattern.compile("EMR_RELEASE = \"(emr-[0-9.]+)\"").matcher(stack);
        Matcher glue = Pattern.compile("GLUE_VERSION = \"([0-9.]+)\"").matcher(stack);
        assertThat(emr.find()).isTrue();
        assertThat(glue.find()).isTrue();
        assertThat(table).contains("| EMR Serverless " + emr.group(1) + " |").contains("| Glue " + glue.group(1) + " |");
    }
}

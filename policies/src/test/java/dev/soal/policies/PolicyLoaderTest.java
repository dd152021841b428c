package dev.soal.policies;

import dev.soal.core.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyLoaderTest {
    static final String VALID = """
            version: 1
            lambda:
              maxInputBytes: 400MB
              memory:
                - { upTo: 64MB, memoryMb: 2048 }
                - { upTo: 400MB, memoryMb: 4096 }
            clusters:
              order: [emr-serverless, glue, standalone]
            rules:
              - name: nightly
                match: { inputPrefix: "s3://soal-data/nightly/" }
                backend: emr-serverless
            allowlists:
              scriptBuckets: [soal-scripts]
              inputBuckets: [soal-data]
              outputBuckets: [soal-output]
            """;

    @Test
    void loadsTheDocumentedExample() {
        Policies p = PolicyLoader.load(Path.of("policies.yaml"));
        assertThat(p.lambda().maxInputBytes()).isEqualTo(400L * 1024 * 1024);
        assertThat(p.clusterOrder()).containsExactly(Backend.EMR_SERVERLESS, Backend.GLUE, Backend.STANDALONE);
        assertThat(p.rules()).extracting(Policies.Rule::name).containsExactly("nightly-batch-on-emr", "always-small");
        assertThat(PolicyLoader.defaults()).isEqualTo(p);
    }

    @Test
    void lambdaTimeoutAndSpillOver_defaultTo900sAndTheClustersOrder() {
        Policies p = PolicyLoader.parse(VALID, "p.yaml");
        assertThat(p.lambda().timeoutSeconds()).isEqualTo(900);
        assertThat(p.lambda().spillOver()).isEqualTo(new Policies.SpillOver(true, null));
        Policies set = PolicyLoader.parse(VALID.replace("maxInputBytes: 400MB", "maxInputBytes: 400MB\n  timeoutSeconds: 60\n  spillOver: glue"), "p.yaml");
        assertThat(set.lambda().timeoutSeconds()).isEqualTo(60);
        assertThat(set.lambda().spillOver()).isEqualTo(new Policies.SpillOver(true, Backend.GLUE));
        Policies gz = PolicyLoader.parse(VALID.replace("maxInputBytes: 400MB", "maxInputBytes: 400MB\n  expansion: { gzip: 6, parquet: 2.5 }"), "p.yaml");
        assertThat(gz.lambda().expansion().factor("csv.gzip")).isEqualTo(6.0);
        assertThat(gz.lambda().expansion().factor("parquet")).isEqualTo(2.5);
        assertThat(gz.lambda().expansion().factor("csv.zstd")).isEqualTo(4.0);
        Policies off = PolicyLoader.parse(VALID.replace("maxInputBytes: 400MB", "maxInputBytes: 400MB\n  spillOver: false"), "p.yaml");
        assertThat(off.lambda().spillOver().enabled()).isFalse();
    }

    @Test
    void aTriggerMayCarryADeadline_andABadOneIsNamed() {
        String triggers = VALID + """
                triggers:
                  - name: drop
                    bucket: soal-data
                    prefix: incoming/
                    script: s3://soal-scripts/a.sql
                    deadline: 1h30m
                """;
        assertThat(PolicyLoader.parse(triggers, "p.yaml").triggers().get(0).deadline()).isEqualTo(java.time.Duration.ofMinutes(90));
        assertThatThrownBy(() -> PolicyLoader.parse(triggers.replace("1h30m", "later"), "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("triggers[0].deadline: expected a duration such as 20m, 1h30m or PT20M, but was 'later'");
    }

    @Test
    void parsesAValidFile() {
        Policies p = PolicyLoader.parse(VALID, "p.yaml");
        assertThat(p.lambda().tierFor(10)).extracting(Policies.MemoryTier::memoryMb).isEqualTo(2048);
        assertThat(p.lambda().tierFor(100L * 1024 * 1024)).extracting(Policies.MemoryTier::memoryMb).isEqualTo(4096);
        assertThat(p.allowlists().inputBuckets()).containsExactly("soal-data");
        assertThat(p.lambda().memory()).allSatisfy(t -> assertThat(t.provisioned()).as("none by default").isZero());
        Policies kept = PolicyLoader.parse(VALID.replace("memoryMb: 4096", "memoryMb: 4096, provisioned: 2"), "p.yaml");
        assertThat(kept.lambda().tierFor(100L * 1024 * 1024).provisioned()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // what is broken                | from                          | to                              | expected message
            "bad size                        | maxInputBytes: 400MB          | maxInputBytes: lots             | p.yaml:3: lambda.maxInputBytes: expected a size such as 400MB or 1.5GB, but was 'lots'",
            "zero size                       | maxInputBytes: 400MB          | maxInputBytes: 0MB              | p.yaml:3: lambda.maxInputBytes: must be > 0, but was '0MB'",
            "memory over Lambda's limit      | memoryMb: 4096                | memoryMb: 20000                 | p.yaml:6: lambda.memory[1].memoryMb: memoryMb must be within 128..10240 (Lambda's limits), but was 20000",
            "memory not a number             | memoryMb: 4096                | memoryMb: big                   | p.yaml:6: lambda.memory[1].memoryMb: expected a whole number, but was 'big'",
            "provisioned below zero          | memoryMb: 4096                | memoryMb: 4096, provisioned: -1 | p.yaml:6: lambda.memory[1].provisioned: must be within 0..100 (environments kept ready), but was -1",
            "provisioned not a number        | memoryMb: 4096                | memoryMb: 4096, provisioned: two | p.yaml:6: lambda.memory[1].provisioned: expected a whole number, but was 'two'",
            "tiers do not cover threshold    | upTo: 400MB, memoryMb: 4096   | upTo: 100MB, memoryMb: 4096     | p.yaml:3: lambda: lambda.memory must cover lambda.maxInputBytes 400 MB, but its last tier ends at 100 MB",
            "unknown backend                 | order: [emr-serverless, glue, standalone] | order: [emr, glue]  | p.yaml:8: clusters.order[0]: unknown backend 'emr', expected one of lambda, standalone, emr-serverless, glue",
            "lambda as cluster               | order: [emr-serverless, glue, standalone] | order: [lambda]     | p.yaml:8: clusters.order[0]: must be a cluster backend",
            "choose neither order nor cost   | order: [emr-serverless, glue, standalone] | order: [glue]\\n  choose: fastest | p.yaml:9: clusters.choose: must be order or cheapest, but was 'fastest'",
            "unknown field                   | maxInputBytes: 400MB          | maxInputByte: 400MB             | p.yaml:3: lambda.maxInputByte: unknown field (expected one of [expansion, maxInputBytes, memory, spillOver, timeoutSeconds])",
            "expansion of no format          | maxInputBytes: 400MB          | maxInputBytes: 400MB\\n  expansion: { rar: 3 } | p.yaml:4: lambda.expansion.rar: unknown field",
            "expansion not a number          | maxInputBytes: 400MB          | maxInputBytes: 400MB\\n  expansion: { gzip: lots } | p.yaml:4: lambda.expansion.gzip: expected a number such as 4 or 2.5, but was 'lots'",
            "expansion zero                  | maxInputBytes: 400MB          | maxInputBytes: 400MB\\n  expansion: { gzip: 0 } | p.yaml:4: lambda.expansion: lambda.expansion.gzip must be within (0, 100], but was 0.0",
            "timeout over Lambda's limit     | maxInputBytes: 400MB          | maxInputBytes: 400MB\\n  timeoutSeconds: 901 | p.yaml:4: lambda.timeoutSeconds: must be within 1..900 (Lambda's limits), but was 901",
            "timeout zero                    | maxInputBytes: 400MB          | maxInputBytes: 400MB\\n  timeoutSeconds: 0 | p.yaml:4: lambda.timeoutSeconds: must be within 1..900 (Lambda's limits), but was 0",
            "spill over to lambda            | maxInputBytes: 400MB          | maxInputBytes: 400MB\\n  spillOver: lambda | p.yaml:4: lambda.spillOver: must be true, false or a cluster backend (standalone, emr-serverless, glue), but was 'lambda'",
            "spill over to nowhere           | maxInputBytes: 400MB          | maxInputBytes: 400MB\\n  spillOver: emr | p.yaml:4: lambda.spillOver: unknown backend 'emr'",
            "bad bucket                      | inputBuckets: [soal-data]     | inputBuckets: [Soal_Data]       | p.yaml:15: allowlists.inputBuckets[0]: must be an S3 bucket name, but was 'Soal_Data'",
            "bad rule prefix                 | inputPrefix: \"s3://soal-data/nightly/\" | inputPrefix: \"/nightly/\" | p.yaml:11: rules[0].match.inputPrefix: not an S3 URI",
            "single value where a list goes  | scriptBuckets: [soal-scripts] | scriptBuckets: soal-scripts     | p.yaml:14: allowlists.scriptBuckets: expected a list, but was a single value",
            "list where a mapping goes       | match: { inputPrefix: \"s3://soal-data/nightly/\" } | match: [x] | p.yaml:11: rules[0].match: expected a mapping, but was a list",
    })
    void invalidFiles_nameFileLineFieldAndValue(String what, String from, String to, String expected) {
        String yaml = VALID.replace(from.strip(), to.strip().replace("\\n", "\n"));
        assertThat(yaml).as("fixture edit for " + what).isNotEqualTo(VALID);
        assertThatThrownBy(() -> PolicyLoader.parse(yaml, "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith(expected.strip());
    }

    @Test
    void clusterSections_haveDefaults_andAreRead() {
        Policies defaults = PolicyLoader.parse(VALID, "p.yaml");
        assertThat(defaults.emrServerless()).isEqualTo(Policies.EmrPolicy.ofDefaults());
        assertThat(defaults.glue()).isEqualTo(Policies.GluePolicy.ofDefaults());
        assertThat(defaults.fallback()).isEmpty();

        assertThat(defaults.emrServerless().initialCapacity()).isEqualTo(Policies.InitialCapacity.NONE);
        Policies warm = PolicyLoader.parse(VALID + "emrServerless: { initialCapacity: { drivers: 1, executors: 4 } }\n", "p.yaml");
        assertThat(warm.emrServerless().initialCapacity()).isEqualTo(new Policies.InitialCapacity(1, 4));
        assertThat(warm.emrServerless().initialCapacity().warm()).isTrue();
        // each worker at the size EMR Serverless takes: raised to the minimum, rounded to the step of its vCPUs
        Policies sized = PolicyLoader.parse(VALID + "emrServerless: { driverCores: 1, driverMemory: 1g, executorCores: 8, executorMemory: 32g,"
                + " initialCapacity: { drivers: 1, executors: 2 } }\n", "p.yaml");
        assertThat(sized.emrServerless().driverWorker()).isEqualTo(new Policies.Worker(1, 2));
        assertThat(sized.emrServerless().executorWorker()).isEqualTo(new Policies.Worker(8, 40));
        Policies p = PolicyLoader.parse(VALID + """
                emrServerless: { executorCores: 8, executorMemory: 32g, timeoutMinutes: 30 }
                glue: { workerType: G.2X, numberOfWorkers: 4, executionClass: FLEX }
                fallback: { emr-serverless: glue }
                """, "p.yaml");
        assertThat(p.emrServerless().sparkSubmitParameters("M")).isEqualTo("--class M --conf spark.driver.cores=4"
                + " --conf spark.driver.memory=16g --conf spark.executor.cores=8 --conf spark.executor.memory=32g"
                + " --conf spark.dynamicAllocation.maxExecutors=20");
        assertThat(p.emrServerless().timeoutMinutes()).isEqualTo(30);
        assertThat(p.glue()).isEqualTo(new Policies.GluePolicy("G.2X", 4, 120, "FLEX"));
        assertThat(p.glue().dpuPerWorker()).isEqualTo(2.0);
        assertThat(p.fallback()).containsEntry(Backend.EMR_SERVERLESS, Backend.GLUE);
    }

    @Test
    void tables_nameTheWarehouse_whichTheCatalogInAwsUses() {
        assertThat(PolicyLoader.parse(VALID, "p.yaml").catalogInAws()).isEqualTo(dev.soal.core.TableSettings.none());
        Policies p = PolicyLoader.parse(VALID + "tables: { warehouse: s3://soal-lake/tables }\n", "p.yaml");
        assertThat(p.tables().warehouse()).isEqualTo("s3://soal-lake/tables/");
        assertThat(p.tables().bucket()).isEqualTo("soal-lake");
        assertThat(p.catalogInAws()).isEqualTo(dev.soal.core.TableSettings.glue("s3://soal-lake/tables/"));
        assertThat(PolicyLoader.defaults().tables().warehouse()).isEqualTo("s3://soal-data/warehouse/");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "emrServerless: { executorCores: 3 }          | p.yaml:17: emrServerless: executorCores must be 1, 2, 4, 8 or 16, but was 3",
            "emrServerless: { driverMemory: lots }        | p.yaml:17: emrServerless: memory must look like 16g or 4096m, but was 'lots'",
            "emrServerless: { initialCapacity: { drivers: -1 } } | p.yaml:17: emrServerless.initialCapacity: initialCapacity's drivers and executors must be >= 0, but were -1 and 0",
            "emrServerless: { initialCapacity: { executors: 81 } } | p.yaml:17: emrServerless: initialCapacity must fit the application's maximum (concurrentJobs 4 jobs of 1 driver and maxExecutors 20 executors), but was 0 drivers and 81 executors",
            "emrServerless: { initialCapacity: { workers: 2 } } | p.yaml:17: emrServerless.initialCapacity.workers: unknown field (expected one of [drivers, executors])",
            "emrServerless: { executorMemory: 28g, initialCapacity: { drivers: 1, executors: 1 } } | p.yaml:17: emrServerless: initialCapacity: an executor's 28g needs a 34 GB worker, over EMR Serverless' 30 GB for 4 vCPU",
            "glue: { workerType: G.3X }                   | p.yaml:17: glue: workerType must be one of",
            "glue: { executionClass: CHEAP }              | p.yaml:17: glue: executionClass must be STANDARD or FLEX, but was 'CHEAP'",
            "glue: { workerType: G.4X, executionClass: FLEX } | p.yaml:17: glue: executionClass FLEX runs on G.1X or G.2X workers only, but workerType was 'G.4X'",
            "glue: { workerType: G.025X }                 | p.yaml:17: glue: workerType must be one of",
            "glue: { numberOfWorkers: 1 }                 | p.yaml:17: glue: numberOfWorkers must be >= 2",
            "fallback: { glue: glue }                     | p.yaml:17: fallback.glue: must map one cluster backend to another, but was glue -> glue",
            "fallback: { lambda: glue }                   | p.yaml:17: fallback.lambda: must map one cluster backend to another",
            "fallback: { glue: spark }                    | p.yaml:17: fallback.glue: unknown backend 'spark'",
            "tables: { warehouse: /tmp/warehouse }        | p.yaml:17: tables.warehouse: the soal catalog's warehouse (SOAL_WAREHOUSE, --warehouse, tables.warehouse) must be an s3://bucket/prefix/ location, but was '/tmp/warehouse'",
            "tables: { warehouse: s3://Soal_Data/w/ }     | p.yaml:17: tables.warehouse: the soal catalog's warehouse (SOAL_WAREHOUSE, --warehouse, tables.warehouse) must be an s3://bucket/prefix/ location, but was 's3://Soal_Data/w/'",
            "tables: { catalog: hive }                    | p.yaml:17: tables.catalog: unknown field (expected one of [warehouse])",
            "tables: {}                                   | p.yaml:17: missing required field 'warehouse'",
    })
    void invalidClusterSections_areNamed(String section, String expected) {
        assertThatThrownBy(() -> PolicyLoader.parse(VALID + section.strip() + "\n", "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith(expected.strip());
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', value = {
            "{ prefix: incoming/, suffix: .csv }       | { prefix: incoming/daily/, suffix: .csv }  | p.yaml:19: triggers[1]: trigger 'b' overlaps trigger 'a' on bucket 'soal-data' (prefixes 'incoming/' and 'incoming/daily/', suffixes '.csv' and '.csv')",
            "{ prefix: incoming/ }                     | { prefix: incoming/, suffix: .csv }        | p.yaml:19: triggers[1]: trigger 'b' overlaps trigger 'a'",
            "{ suffix: .csv }                          | { prefix: x/, suffix: s.csv }              | p.yaml:19: triggers[1]: trigger 'b' overlaps trigger 'a'",
            "{ prefix: a/ }                            | { prefix: a/b/c/, suffix: .parquet }       | p.yaml:19: triggers[1]: trigger 'b' overlaps trigger 'a'",
    })
    void overlappingTriggersOnOneBucket_areRefused_naming(String first, String second, String expected) {
        String triggers = "triggers:\n"
                + "  - { name: a, bucket: soal-data, script: s3://soal-scripts/a.sql, " + first.strip().substring(1) + "\n"
                + "  - { name: b, bucket: soal-data, script: s3://soal-scripts/b.sql, " + second.strip().substring(1) + "\n";
        assertThatThrownBy(() -> PolicyLoader.parse(VALID + triggers, "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith(expected.strip());
    }

    @Test
    void triggersWithDisjointPrefixesOrSuffixes_orOnOtherBuckets_areKept() {
        String triggers = """
                triggers:
                  - { name: a, bucket: soal-data, prefix: incoming/listings/, suffix: .csv, script: s3://soal-scripts/a.sql }
                  - { name: b, bucket: soal-data, prefix: incoming/daily/, suffix: .csv, script: s3://soal-scripts/b.sql }
                  - { name: c, bucket: soal-data, prefix: incoming/, suffix: .json, script: s3://soal-scripts/c.sql }
                  - { name: d, bucket: soal-landing, script: s3://soal-scripts/d.sql }
                """;
        assertThat(PolicyLoader.parse(VALID + triggers, "p.yaml").triggers()).extracting(Policies.Trigger::name)
                .containsExactly("a", "b", "c", "d");
    }

    @Test
    void aTriggerOnAnOutputBucket_isRefused_becauseItsJobsWouldTriggerMore() {
        String triggers = """
                triggers:
                  - { name: loop, bucket: soal-output, prefix: jobs/, script: s3://soal-scripts/a.sql }
                """;
        assertThatThrownBy(() -> PolicyLoader.parse(VALID + triggers, "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("p.yaml:18: triggers[0].bucket: trigger 'loop' watches 'soal-output', an output bucket");
    }

    @Test
    void missingSection_isNamed() {
        String yaml = VALID.substring(0, VALID.indexOf("allowlists:"));
        assertThatThrownBy(() -> PolicyLoader.parse(yaml, "p.yaml"))
                .hasMessage("p.yaml:1: missing required field 'allowlists'");
    }

    @Test
    void brokenYaml_namesTheLine() {
        assertThatThrownBy(() -> PolicyLoader.parse("lambda: [\n  maxInputBytes: 1\n", "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("p.yaml:")
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void missingFile_isNamed(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThatThrownBy(() -> PolicyLoader.load(dir.resolve("nope.yaml")))
                .hasMessageContaining("policies file not found").hasMessageContaining("nope.yaml");
    }

    @Test
    void emptyFile_isAnError(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("empty.yaml"), "");
        assertThatThrownBy(() -> PolicyLoader.load(f)).hasMessageContaining("is empty");
    }
}

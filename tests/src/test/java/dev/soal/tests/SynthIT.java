package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.core.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./soal synth}, as the README runs it: the template offline, from the policies given. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SynthIT {
    private static final Path ROOT = RuntimeFixture.ROOT;

    private record Run(int exit, String output) {
    }

    private static Run soal(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("soal").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(4, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void synthWritesTheTemplate_withOneRuntimeFunctionPerTierOfThePoliciesGiven() throws Exception {
        // in CI a missing Node.js fails the stack's tests; elsewhere (only a JDK and Maven) they are skipped
        if (dev.soal.cdk.SoalApp.nodeRequired()) {
            assertThat(dev.soal.cdk.SoalApp.nodeAvailable()).as("CDK's Java bindings need Node.js (node on the PATH)").isTrue();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.soal.cdk.SoalApp.nodeAvailable(), "CDK's Java bindings need Node.js");
        Path out = Files.createTempDirectory("soal-synth");
        Path policy = out.resolve("policies.yaml");
        // the default policies with three memory tiers instead of two
        String yaml = Files.readString(ROOT.resolve("policies/policies.yaml"))
                .replace("    - { upTo: 64MB,  memoryMb: 2048 }", "    - { upTo: 16MB,  memoryMb: 1024 }\n    - { upTo: 64MB,  memoryMb: 2048 }");
        Files.writeString(policy, yaml);

        Run run = soal("synth", "--out", out.resolve("cdk.out").toString(), "--policy", policy.toString());

        assertThat(run.exit()).as(run.output()).isZero();
        Path template = out.resolve("cdk.out/SoAL.template.json");
        assertThat(run.output()).contains("wrote " + template);
        JsonNode resources = Json.mapper().readTree(template.toFile()).path("Resources");
        List<String> runtimes = new ArrayList<>();
        resources.forEach(r -> {
            if (r.path("Type").asText().equals("AWS::Lambda::Function") && r.path("Properties").path("PackageType").asText().equals("Image")) {
                runtimes.add(r.path("Properties").path("FunctionName").asText());
            }
        });
        assertThat(runtimes).containsExactlyInAnyOrder("soal-runtime-1024", "soal-runtime-2048", "soal-runtime-4096");
        // the runtime image is built by the deploy from lambda-runtime/Dockerfile, for x86_64
        JsonNode images = Json.mapper().readTree(out.resolve("cdk.out/SoAL.assets.json").toFile()).path("dockerImages");
        assertThat(images.size()).isEqualTo(1);
        JsonNode source = images.elements().next().path("source");
        assertThat(source.path("directory").asText()).endsWith("lambda-runtime");
        assertThat(source.path("dockerFile").asText()).isEqualTo("Dockerfile");
        assertThat(source.path("platform").asText()).isEqualTo("linux/amd64");
    }

    @Test
    void aBadPolicyFile_isRefusedWithItsLineAndField_andNothingIsWritten() throws Exception {
        Path out = Files.createTempDirectory("soal-synth-bad");
        Path policy = out.resolve("policies.yaml");
        Files.writeString(policy, "version: 1\nlambda:\n  maxInputBytes: lots\n");

        Run run = soal("synth", "--out", out.resolve("cdk.out").toString(), "--policy", policy.toString());

        assertThat(run.exit()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("soal synth:").contains("maxInputBytes");
        assertThat(out.resolve("cdk.out/SoAL.template.json")).doesNotExist();
    }
}

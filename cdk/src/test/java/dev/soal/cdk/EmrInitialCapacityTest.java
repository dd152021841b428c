package dev.soal.cdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code emrServerless.initialCapacity} in the stack: pre-initialized workers sized as the policies' jobs ask for them. */
class EmrInitialCapacityTest {
    @TempDir
    static Path tmp;

    @Test
    void initialCapacity_keepsDriversAndExecutorsWarm_sizedAsTheJobsWorkers() throws Exception {
        if (SoalApp.nodeRequired()) {
            assertThat(SoalApp.nodeAvailable()).as("CDK's Java bindings need Node.js (node on the PATH)").isTrue();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(SoalApp.nodeAvailable(), "CDK's Java bindings need Node.js");
        String defaults = Files.readString(SoalStackTest.ROOT.resolve("policies/policies.yaml"));
        assertThat(defaults).contains("emrServerless:\n  driverCores: 4\n");
        Path policies = Files.writeString(tmp.resolve("policies.yaml"), defaults.replace("emrServerless:\n",
                "emrServerless:\n  initialCapacity: { drivers: 1, executors: 3 }\n"));
        App app = new App(AppProps.builder().context(Map.of("aws:cdk:disable-asset-staging", true)).build());
        SoalStackConfig config = SoalStackConfig.of(SoalStackTest.ROOT, policies, Map.of()).requireBuilt();
        JsonNode json = new ObjectMapper().valueToTree(Template.fromStack(
                new SoalStack(app, "SoAL", StackProps.builder().build(), config)).toJSON());

        List<JsonNode> apps = new ArrayList<>();
        json.path("Resources").forEach(r -> {
            if (r.path("Type").asText().equals("AWS::EMRServerless::Application")) {
                apps.add(r.path("Properties"));
            }
        });
        assertThat(apps).hasSize(1);
        JsonNode initial = apps.get(0).path("InitialCapacity");
        assertThat(initial).hasSize(2);
        // 4 vCPU and 16g of Spark memory: a 4 vCPU, 20 GB worker (a fifth more for the overhead), as maximumCapacity counts
        for (int i = 0; i < 2; i++) {
            assertThat(initial.get(i).path("Value").path("WorkerConfiguration").path("Cpu").asText()).isEqualTo("4 vCPU");
            assertThat(initial.get(i).path("Value").path("WorkerConfiguration").path("Memory").asText()).isEqualTo("20 GB");
        }
        assertThat(initial.get(0).path("Key").asText()).isEqualTo("Driver");
        assertThat(initial.get(0).path("Value").path("WorkerCount").asInt()).isEqualTo(1);
        assertThat(initial.get(1).path("Key").asText()).isEqualTo("Executor");
        assertThat(initial.get(1).path("Value").path("WorkerCount").asInt()).isEqualTo(3);
        // auto-stop stays on: warm workers are billed while the application is started
        assertThat(apps.get(0).path("AutoStopConfiguration").path("Enabled").asBoolean()).isTrue();
    }
}

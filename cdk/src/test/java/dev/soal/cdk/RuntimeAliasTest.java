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
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code lambda.memory[].provisioned} in the stack: each runtime function's {@code live} alias, which the router invokes,
 * carries the tier's provisioned concurrency and the function's asynchronous settings (no retries, the event age, the
 * failure queue), since an alias's invocations follow the alias's own.
 */
class RuntimeAliasTest {
    @TempDir
    static Path tmp;

    @Test
    void eachTiersAlias_holdsItsProvisionedEnvironments_andTheRouterInvokesIt() throws Exception {
        if (SoalApp.nodeRequired()) {
            assertThat(SoalApp.nodeAvailable()).as("CDK's Java bindings need Node.js (node on the PATH)").isTrue();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(SoalApp.nodeAvailable(), "CDK's Java bindings need Node.js");
        String defaults = Files.readString(SoalStackTest.ROOT.resolve("policies/policies.yaml"));
        assertThat(defaults).contains("- { upTo: 400MB, memoryMb: 4096 }");
        Path policies = Files.writeString(tmp.resolve("policies.yaml"), defaults.replace("- { upTo: 400MB, memoryMb: 4096 }",
                "- { upTo: 400MB, memoryMb: 4096, provisioned: 2 }"));
        App app = new App(AppProps.builder().context(Map.of("aws:cdk:disable-asset-staging", true)).build());
        SoalStackConfig config = SoalStackConfig.of(SoalStackTest.ROOT, policies, Map.of()).requireBuilt();
        JsonNode json = new ObjectMapper().valueToTree(Template.fromStack(
                new SoalStack(app, "SoAL", StackProps.builder().build(), config)).toJSON());

        Map<String, JsonNode> aliases = new HashMap<>();
        Map<String, JsonNode> invokeConfigs = new HashMap<>();
        json.path("Resources").fields().forEachRemaining(e -> {
            String type = e.getValue().path("Type").asText();
            if (type.equals("AWS::Lambda::Alias") && e.getKey().matches("Runtime\\d+Live.*")) {
                // logical ids carry CDK's hash after the construct's id
                aliases.put(e.getKey().replaceAll("Live[0-9A-F]{8}$", "Live"), e.getValue().path("Properties"));
            }
            if (type.equals("AWS::Lambda::EventInvokeConfig") && e.getKey().matches("Runtime\\d+.*")) {
                invokeConfigs.put(e.getKey(), e.getValue().path("Properties"));
            }
        });
        assertThat(aliases).containsOnlyKeys("Runtime2048Live", "Runtime4096Live");
        assertThat(aliases.values()).allSatisfy(a -> assertThat(a.path("Name").asText()).isEqualTo("live"));
        assertThat(aliases.get("Runtime4096Live").path("ProvisionedConcurrencyConfig").path("ProvisionedConcurrentExecutions").asInt())
                .isEqualTo(2);
        assertThat(aliases.get("Runtime2048Live").has("ProvisionedConcurrencyConfig")).as("provisioned: 0").isFalse();
        // the alias's own asynchronous settings: no retries, the event age, the failure queue
        JsonNode aliasInvoke = invokeConfigs.values().stream().filter(c -> c.path("Qualifier").toString().contains("Runtime4096Live")
                || c.path("Qualifier").asText().equals("live")).findFirst().orElseThrow();
        assertThat(aliasInvoke.path("MaximumRetryAttempts").asInt()).isZero();
        assertThat(aliasInvoke.path("MaximumEventAgeInSeconds").asInt()).isEqualTo(SoalStack.RUNTIME_MAX_EVENT_AGE_SECONDS);
        assertThat(aliasInvoke.path("DestinationConfig").path("OnFailure").path("Destination").toString()).contains("RuntimeFailures");
        // the router invokes the alias, and may
        String resources = json.path("Resources").toString();
        assertThat(resources).contains("\"SOAL_RUNTIME_ALIAS\":\"live\"");
        assertThat(resources).contains("\"Ref\":\"Runtime4096Live");
    }
}

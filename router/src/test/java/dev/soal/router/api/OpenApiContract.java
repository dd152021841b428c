package dev.soal.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.soal.core.Json;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks an answer of the jobs API against {@code openapi.yaml}: the path and method are described,
 * the status is listed for them, the content type matches, and the body validates against the schema
 * (JSON Schema 2020-12, as OpenAPI 3.1 uses).
 */
final class OpenApiContract {
    private static final JsonNode SPEC = load();

    private OpenApiContract() {
    }

    private static JsonNode load() {
        Path file = Path.of(System.getProperty("soal.openapi", "../openapi.yaml"));
        try {
            Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
            return Json.mapper().valueToTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
        }
    }

    static void check(ApiRequest request, ApiResponse response) {
        String path = request.path() == null ? "" : request.path().replaceAll("/+$", "");
        String template = path.equals("/jobs") ? "/jobs" : path.matches("/jobs/[^/]+") ? "/jobs/{id}"
                : path.matches("/jobs/[^/]+/logs") ? "/jobs/{id}/logs" : null;
        String method = request.method() == null ? "" : request.method().toLowerCase(Locale.ROOT);
        String status = String.valueOf(response.status());
        JsonNode responseSpec;
        if (template == null) {
            // paths outside the API: the generic problem answer
            assertThat(status).isIn("404", "405");
            responseSpec = SPEC.at("/components/responses/Problem");
        } else {
            JsonNode op = SPEC.path("paths").path(template).path(method);
            if (op.isMissingNode()) {
                assertThat(status).as(method + " " + template + " is not in openapi.yaml, so only 405 may answer").isEqualTo("405");
                responseSpec = SPEC.at("/components/responses/Problem");
            } else {
                responseSpec = op.path("responses").path(status);
                assertThat(responseSpec.isMissingNode()).as("openapi.yaml lists status " + status + " for " + method + " " + template)
                        .isFalse();
            }
        }
        if (responseSpec.has("$ref")) {
            responseSpec = SPEC.at(responseSpec.get("$ref").asText().substring(1));
        }
        String contentType = response.headers().get("Content-Type");
        JsonNode media = responseSpec.path("content").path(contentType);
        assertThat(media.isMissingNode()).as("openapi.yaml gives " + contentType + " for status " + status).isFalse();
        ObjectNode schemaDoc = Json.mapper().createObjectNode();
        schemaDoc.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schemaDoc.setAll((ObjectNode) media.path("schema").deepCopy());
        schemaDoc.set("components", SPEC.path("components").deepCopy());
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schemaDoc);
        try {
            Set<ValidationMessage> errors = schema.validate(Json.mapper().readTree(response.body()));
            assertThat(errors).as("the " + status + " answer to " + method + " " + path + " fits openapi.yaml: "
                    + response.body()).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}

package dev.soal.cdk;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import software.amazon.awscdk.services.apigateway.JsonSchema;
import software.amazon.awscdk.services.apigateway.JsonSchemaType;
import software.amazon.awscdk.services.apigateway.JsonSchemaVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * API Gateway request models from the project's {@code openapi.yaml}: a schema of
 * {@code components.schemas}, turned into the JSON Schema (draft 4) API Gateway validates against, with
 * every {@code $ref} inlined (a model cannot refer to the document it came from).
 */
public final class OpenApiModels {
    private OpenApiModels() {
    }

    public static JsonSchema schema(Path openApi, String name) {
        Map<String, Object> schemas = schemas(openApi);
        Object schema = schemas.get(name);
        if (!(schema instanceof Map)) {
            throw new IllegalArgumentException(openApi + " has no components.schemas." + name);
        }
        return convert(asMap(schema), schemas, 0).schema(JsonSchemaVersion.DRAFT4).title(name).build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> schemas(Path openApi) {
        try {
            Map<String, Object> doc = (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions()))
                    .load(Files.readString(openApi));
            return asMap(asMap(doc.get("components")).get("schemas"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + openApi, e);
        }
    }

    private static JsonSchema.Builder convert(Map<String, Object> s, Map<String, Object> schemas, int depth) {
        if (depth > 20) {
            throw new IllegalArgumentException("schema nesting too deep (a $ref cycle?)");
        }
        if (s.containsKey("$ref")) {
            String ref = s.get("$ref").toString();
            String target = ref.substring(ref.lastIndexOf('/') + 1);
            Map<String, Object> merged = new LinkedHashMap<>(asMap(schemas.get(target)));
            s.forEach((k, v) -> {
                if (!k.equals("$ref")) {
                    merged.put(k, v);
                }
            });
            return convert(merged, schemas, depth + 1);
        }
        JsonSchema.Builder b = JsonSchema.builder();
        if (s.get("type") instanceof String type) {
            b.type(JsonSchemaType.valueOf(type.toUpperCase()));
        } else if (s.get("type") instanceof List<?> types) {
            List<JsonSchemaType> all = new ArrayList<>();
            types.forEach(t -> all.add(JsonSchemaType.valueOf(t.toString().toUpperCase())));
            b.type(all);
        }
        if (s.get("description") != null) {
            b.description(s.get("description").toString());
        }
        if (s.get("properties") != null) {
            Map<String, JsonSchema> props = new LinkedHashMap<>();
            asMap(s.get("properties")).forEach((k, v) -> props.put(k, convert(asMap(v), schemas, depth + 1).build()));
            b.properties(props);
        }
        if (s.get("required") instanceof List<?> required) {
            b.required(required.stream().map(Object::toString).toList());
        }
        if (s.get("additionalProperties") instanceof Boolean allowed) {
            b.additionalProperties(allowed);
        } else if (s.get("additionalProperties") instanceof Map<?, ?> extra) {
            b.additionalProperties(convert(asMap(extra), schemas, depth + 1).build());
        }
        if (s.get("items") instanceof Map<?, ?> items) {
            b.items(convert(asMap(items), schemas, depth + 1).build());
        }
        if (s.get("enum") instanceof List<?> values) {
            b.enumValue(new ArrayList<>(values));
        }
        if (s.get("pattern") != null) {
            b.pattern(s.get("pattern").toString());
        }
        if (s.get("minLength") instanceof Number n) {
            b.minLength(n);
        }
        if (s.get("maxLength") instanceof Number n) {
            b.maxLength(n);
        }
        if (s.get("minItems") instanceof Number n) {
            b.minItems(n);
        }
        if (s.get("maxItems") instanceof Number n) {
            b.maxItems(n);
        }
        if (s.get("minimum") instanceof Number n) {
            b.minimum(n);
        }
        if (s.get("maximum") instanceof Number n) {
            b.maximum(n);
        }
        return b;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("expected a mapping in openapi.yaml, found " + o);
        }
        return (Map<String, Object>) o;
    }
}

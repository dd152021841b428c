package dev.soal.router.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** API Gateway REST proxy integration: the typed event in ({@code aws-lambda-java-events}), the typed response out. */
public final class ApiGatewayProxy {
    private ApiGatewayProxy() {
    }

    /** Reads the method, path, query string, headers and body (base64 when API Gateway says so). */
    public static ApiRequest request(APIGatewayProxyRequestEvent event) {
        String text = event.getBody();
        if (text != null && Boolean.TRUE.equals(event.getIsBase64Encoded())) {
            try {
                text = new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                text = "\u0000not base64";
            }
        }
        return new ApiRequest(event.getHttpMethod(), path(event), strings(event.getQueryStringParameters()),
                strings(event.getHeaders()), text);
    }

    /**
     * The API's own path: the resource API Gateway matched ({@code /jobs/{id}}) with its path parameters put in. The
     * request's {@code path} is what the client sent, which behind a custom domain starts with the base path mapping
     * ({@code /v1/jobs/...}); it is used only when the event names no resource (a proxy resource, a hand-made event).
     */
    static String path(APIGatewayProxyRequestEvent event) {
        String resource = event.getResource();
        if (resource == null || resource.isEmpty() || resource.contains("{proxy+}")) {
            return event.getPath();
        }
        Map<String, String> params = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
        StringBuilder out = new StringBuilder();
        java.util.regex.Matcher m = PARAMETER.matcher(resource);
        while (m.find()) {
            String value = params.get(m.group(1));
            if (value == null) {
                return event.getPath(); // a resource whose parameters did not come: trust the path
            }
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static final java.util.regex.Pattern PARAMETER = java.util.regex.Pattern.compile("\\{([^}+]+)\\+?}");

    public static APIGatewayProxyResponseEvent response(ApiResponse r) {
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(r.status())
                .withHeaders(r.headers())
                .withBody(r.body())
                .withIsBase64Encoded(false);
    }

    private static Map<String, String> strings(Map<String, String> m) {
        Map<String, String> out = new LinkedHashMap<>();
        if (m != null) {
            m.forEach((k, v) -> {
                if (v != null) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }
}

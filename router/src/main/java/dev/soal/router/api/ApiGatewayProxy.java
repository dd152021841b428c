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
        return new ApiRequest(event.getHttpMethod(), event.getPath(), strings(event.getQueryStringParameters()),
                strings(event.getHeaders()), text);
    }

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

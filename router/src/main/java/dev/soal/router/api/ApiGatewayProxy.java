package dev.soal.router.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** API Gateway REST proxy integration: the event in, the response map out. */
public final class ApiGatewayProxy {
    private ApiGatewayProxy() {
    }

    /** Reads {@code httpMethod}, {@code path}, {@code queryStringParameters}, {@code headers}, {@code body} (base64 if flagged). */
    @SuppressWarnings("unchecked")
    public static ApiRequest request(Map<String, Object> event) {
        Object body = event.get("body");
        String text = body == null ? null : body.toString();
        if (text != null && Boolean.TRUE.equals(event.get("isBase64Encoded"))) {
            try {
                text = new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                text = "\u0000not base64";
            }
        }
        return new ApiRequest((String) event.get("httpMethod"), (String) event.get("path"),
                strings((Map<String, Object>) event.get("queryStringParameters")),
                strings((Map<String, Object>) event.get("headers")), text);
    }

    public static Map<String, Object> response(ApiResponse r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("statusCode", r.status());
        out.put("headers", r.headers());
        out.put("body", r.body());
        out.put("isBase64Encoded", false);
        return out;
    }

    private static Map<String, String> strings(Map<String, Object> m) {
        Map<String, String> out = new LinkedHashMap<>();
        if (m != null) {
            m.forEach((k, v) -> {
                if (v != null) {
                    out.put(k, v.toString());
                }
            });
        }
        return out;
    }
}

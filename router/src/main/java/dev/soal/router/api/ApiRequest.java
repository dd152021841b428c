package dev.soal.router.api;

import java.util.Map;
import java.util.TreeMap;

/** An HTTP request as the jobs API sees it, from API Gateway's proxy event or from {@code soal serve}. */
public record ApiRequest(String method, String path, Map<String, String> query, Map<String, String> headers, String body) {
    public ApiRequest {
        query = query == null ? Map.of() : Map.copyOf(query);
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            h.putAll(headers);
        }
        headers = h;
    }

    public String header(String name) {
        return headers.get(name);
    }
}

package dev.soal.router.api;

import java.util.Map;

/** What the jobs API answers: status, headers and a JSON body. */
public record ApiResponse(int status, Map<String, String> headers, String body) {
    public ApiResponse {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}

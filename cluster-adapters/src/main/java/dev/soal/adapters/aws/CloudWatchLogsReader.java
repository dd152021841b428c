package dev.soal.adapters.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.soal.core.Json;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * CloudWatch Logs' {@code FilterLogEvents}, the one call SoAL makes of it (to show a job's log lines): JSON 1.1 over
 * HTTPS, signed with SigV4 by the SDK's signer, sent by the SDK's HTTP client. A hand-made client for one operation
 * because the SDK's {@code cloudwatchlogs} module is not published at the SDK version the rest of SoAL uses, and
 * mixing SDK versions on one classpath is not supported.
 *
 * <pre>{@code
 * CloudWatchLogsReader logs = new CloudWatchLogsReader(AwsClients.forRegion("eu-west-1"));
 * List<CloudWatchLogsReader.Event> events = logs.events(CloudWatchLogsReader.Filter.stream("/aws/lambda/f", stream, from, to), 50_000);
 * }</pre>
 */
public final class CloudWatchLogsReader implements AutoCloseable {
    static final String TARGET = "Logs_20140328.FilterLogEvents";
    /** The most pages one read asks for: FilterLogEvents may answer pages without events while it searches. */
    static final int MAX_PAGES = 50;

    /** One log event: its stream, its time and its message (one or more lines). */
    public record Event(String stream, Instant timestamp, String message) {
    }

    /**
     * What to read: a log group, either some streams by name or the streams whose names begin with a prefix (one, not
     * both, as the API requires), between two times (inclusive; null for open).
     */
    public record Filter(String logGroup, List<String> streams, String streamPrefix, Instant from, Instant to) {
        public Filter {
            if (logGroup == null || logGroup.isBlank()) {
                throw new IllegalArgumentException("a log group is needed");
            }
            if (streams != null && streamPrefix != null) {
                throw new IllegalArgumentException("name streams or a stream prefix, not both");
            }
            streams = streams == null ? null : List.copyOf(streams);
        }

        public static Filter stream(String logGroup, String stream, Instant from, Instant to) {
            return new Filter(logGroup, List.of(stream), null, from, to);
        }

        public static Filter streamsStartingWith(String logGroup, String prefix, Instant from, Instant to) {
            return new Filter(logGroup, null, prefix, from, to);
        }
    }

    /** An answer of CloudWatch Logs that is not a success, with the service's error code and message. */
    public static final class LogsException extends RuntimeException {
        private final String code;
        private final int status;

        LogsException(int status, String code, String message) {
            super("CloudWatch Logs answered " + status + " " + code + (message == null ? "" : ": " + message));
            this.code = code;
            this.status = status;
        }

        public String code() {
            return code;
        }

        public int status() {
            return status;
        }
    }

    private final AwsClients clients;
    private final URI endpoint;
    private final SdkHttpClient http;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    public CloudWatchLogsReader(AwsClients clients) {
        this.clients = clients;
        // a region this SDK does not know yet has no metadata: the commercial partition's domain then
        String domain = clients.region().metadata() == null ? "amazonaws.com" : clients.region().metadata().domain();
        this.endpoint = clients.endpoint() != null ? clients.endpoint()
                : URI.create("https://logs." + clients.region().id() + "." + domain + "/");
        this.http = UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(clients.attemptTimeout()).build();
    }

    /** Where the calls go: {@code https://logs.<region>.<domain>/} in AWS. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * The filter's events in time order, at most {@code maxEvents} (the earliest ones), across pages. A log group that
     * does not exist (yet) has none.
     */
    public List<Event> events(Filter filter, int maxEvents) {
        List<Event> out = new ArrayList<>();
        String next = null;
        for (int page = 0; page < MAX_PAGES && out.size() < maxEvents; page++) {
            ObjectNode body = Json.mapper().createObjectNode().put("logGroupName", filter.logGroup());
            if (filter.streams() != null) {
                filter.streams().forEach(body.putArray("logStreamNames")::add);
            }
            if (filter.streamPrefix() != null) {
                body.put("logStreamNamePrefix", filter.streamPrefix());
            }
            if (filter.from() != null) {
                body.put("startTime", filter.from().toEpochMilli());
            }
            if (filter.to() != null) {
                body.put("endTime", filter.to().toEpochMilli());
            }
            body.put("limit", Math.min(10_000, maxEvents - out.size()));
            if (next != null) {
                body.put("nextToken", next);
            }
            JsonNode answer;
            try {
                answer = call(body);
            } catch (LogsException e) {
                if ("ResourceNotFoundException".equals(e.code())) {
                    return out;
                }
                throw e;
            }
            for (JsonNode e : answer.path("events")) {
                out.add(new Event(e.path("logStreamName").asText(null), Instant.ofEpochMilli(e.path("timestamp").asLong()),
                        e.path("message").asText("")));
            }
            String token = answer.path("nextToken").asText(null);
            if (token == null || token.equals(next)) {
                break;
            }
            next = token;
        }
        return out.size() > maxEvents ? out.subList(0, maxEvents) : out;
    }

    private JsonNode call(ObjectNode body) {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(endpoint)
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", TARGET)
                .putHeader("Content-Length", String.valueOf(bytes.length)).build();
        SdkHttpRequest signed = signer.sign(r -> r.identity(clients.credentials().resolveCredentials()).request(request)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(bytes))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "logs")
                .putProperty(AwsV4HttpSigner.REGION_NAME, clients.region().id())).request();
        try {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder().request(signed)
                    .contentStreamProvider(ContentStreamProvider.fromByteArrayUnsafe(bytes)).build()).call();
            String text;
            try (InputStream in = response.responseBody().orElse(null)) {
                text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int status = response.httpResponse().statusCode();
            JsonNode json;
            try {
                json = text.isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                if (status / 100 == 2) {
                    throw new LogsException(status, "MalformedAnswer", "not JSON: " + text.substring(0, Math.min(200, text.length())));
                }
                json = Json.mapper().createObjectNode(); // an error page from a proxy: its status speaks
            }
            if (status / 100 != 2) {
                // "__type" is the code, sometimes after "<namespace>#"; the message is "message" or "Message"
                String type = json.path("__type").asText(response.httpResponse().firstMatchingHeader("x-amzn-ErrorType")
                        .orElse("HTTP " + status));
                String code = type.substring(type.indexOf('#') + 1).split(":")[0];
                String message = json.hasNonNull("message") ? json.get("message").asText() : json.path("Message").asText(null);
                throw new LogsException(status, code, message);
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("CloudWatch Logs at " + endpoint + " could not be reached: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}

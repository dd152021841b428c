package dev.soal.router.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRejectedException;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.NotAllowedException;
import dev.soal.core.SoalException;
import dev.soal.router.JobService;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The jobs API, the same behind API Gateway and behind {@code soal serve}:
 * {@code POST /jobs} (202 with the job id and the decision; {@code ?dryRun=true}: 200 with the decision only),
 * {@code GET /jobs/{id}}, {@code GET /jobs?state=&limit=}, {@code DELETE /jobs/{id}} (cancel), {@code GET
 * /jobs/{id}/logs?lines=} (its attempts' logs, where this router can read them).
 * Errors are {@code application/problem+json} (RFC 9457) with a precise detail: 400 bad request, 403 outside
 * the allowlists, 404, 405, 409 idempotency key reused for another request or job already ended,
 * 413 body too large, 503 (retryable) when a dependency fails. Bad input never answers 500.
 * See {@code openapi.yaml}.
 */
public final class JobsApi {
    public static final int MAX_BODY_BYTES = 64 * 1024;
    public static final int MAX_LIMIT = 100;
    public static final int DEFAULT_LIMIT = 20;
    static final String PROBLEM_TYPE = "https://soal.dev/problems/";
    /** Idempotency keys from API clients are stored under this prefix; S3 triggers use {@code s3:}. */
    public static final String API_KEY_NAMESPACE = "api:";
    private static final Pattern JOB_PATH = Pattern.compile("/jobs/([^/]+)");
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** Whether {@code id} can name a job in the API's paths (what clients check before they ask). */
    public static boolean isJobId(String id) {
        return id != null && JOB_ID.matcher(id).matches();
    }
    private static final Logger LOG = Logger.getLogger(JobsApi.class.getName());

    /** The body of {@code POST /jobs}. */
    public record SubmitBody(String script, String mainClass, List<String> inputs, String output,
                             Map<String, String> arguments, Map<String, String> tags, String idempotencyKey,
                             Map<String, String> sparkConf, String deadline) {
    }

    /** The answer to a submit: the job, whether it already existed, and its decision. */
    public record Submitted(String jobId, String state, boolean existing, String backend, Integer lambdaMemoryMb,
                            List<String> reasons, String output) {
    }

    /** The answer to a dry run. */
    public record Plan(String backend, Integer lambdaMemoryMb, List<String> reasons, long inputBytes, long inputObjects,
                       List<JobView.PredictionView> predictions) {
    }

    /** A page of jobs; {@code nextToken} (absent on the last page) asks for the next one. */
    public record Page(List<JobView> jobs, String nextToken) {
    }

    /** An RFC 9457 problem. */
    public record Problem(String type, String title, int status, String detail) {
    }

    private static final Pattern LOGS_PATH = Pattern.compile("/jobs/([^/]+)/logs");
    private final JobService jobs;
    private final dev.soal.router.logs.JobLogs logs;

    public JobsApi(JobService jobs) {
        this(jobs, dev.soal.router.logs.JobLogs.none());
    }

    /** With the logs {@code GET /jobs/{id}/logs} reads. */
    public JobsApi(JobService jobs, dev.soal.router.logs.JobLogs logs) {
        this.jobs = jobs;
        this.logs = logs;
    }

    /** The answer to {@code GET /jobs/{id}/logs}: an excerpt per attempt, the earliest first. */
    public record Logs(String jobId, String state, List<dev.soal.router.logs.JobLogs.Excerpt> attempts) {
    }

    public ApiResponse handle(ApiRequest request) {
        try {
            return route(request);
        } catch (BadRequest e) {
            ApiResponse p = problem(e.status, e.slug, e.title, e.getMessage());
            return e.allow == null ? p : withHeader(p, "Allow", e.allow);
        } catch (JobService.JobNotFoundException e) {
            return problem(404, "not-found", "No such job", e.getMessage());
        } catch (JobService.IdempotencyConflictException e) {
            return problem(409, "idempotency-conflict", "Idempotency key already used", e.getMessage());
        } catch (NotAllowedException e) {
            return problem(403, "not-allowed", "Outside the allowlists", e.getMessage());
        } catch (JobRejectedException | IllegalArgumentException e) {
            return problem(400, "invalid-job", "The job cannot run as asked", e.getMessage());
        } catch (SoalException e) {
            if (e.retryable()) {
                return withHeader(problem(503, "unavailable", "Try again", e.getMessage()), "Retry-After", "5");
            }
            LOG.log(Level.WARNING, "jobs API failed on " + request.method() + " " + request.path(), e);
            return problem(500, "internal", "Internal error", "the request failed: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "jobs API failed on " + request.method() + " " + request.path(), e);
            return problem(500, "internal", "Internal error", "the request failed unexpectedly; see the router's log");
        }
    }

    private ApiResponse route(ApiRequest r) {
        String path = r.path() == null ? "" : r.path().replaceAll("/+$", "");
        String method = r.method() == null ? "" : r.method().toUpperCase(Locale.ROOT);
        if (path.equals("/jobs")) {
            return switch (method) {
                case "POST" -> submit(r);
                case "GET" -> list(r);
                default -> throw new BadRequest(405, "method-not-allowed", "Method not allowed",
                        method + " is not allowed on /jobs (POST, GET)").allow("POST, GET");
            };
        }
        Matcher lm = LOGS_PATH.matcher(path);
        if (lm.matches()) {
            String id = jobId(lm.group(1));
            if (!method.equals("GET")) {
                throw new BadRequest(405, "method-not-allowed", "Method not allowed",
                        method + " is not allowed on /jobs/{id}/logs (GET)").allow("GET");
            }
            int lines = number(r, "lines", 500, dev.soal.router.logs.JobLogs.MAX_LINES);
            JobRecord job = jobs.get(id);
            return json(200, new Logs(job.id(), job.state().name(), logs.read(job, lines)));
        }
        Matcher m = JOB_PATH.matcher(path);
        if (m.matches()) {
            String id = jobId(m.group(1));
            return switch (method) {
                case "GET" -> json(200, JobView.of(jobs.refresh(id)));
                case "DELETE" -> cancel(id);
                default -> throw new BadRequest(405, "method-not-allowed", "Method not allowed",
                        method + " is not allowed on /jobs/{id} (GET, DELETE)").allow("GET, DELETE");
            };
        }
        throw new BadRequest(404, "not-found", "No such resource", "no resource at " + abbreviate(path) + " (see /jobs)");
    }

    private ApiResponse submit(ApiRequest r) {
        String body = r.body();
        if (body == null || body.isBlank()) {
            throw new BadRequest(400, "malformed-json", "Malformed JSON", "the request body is empty; expected a JSON object");
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            throw new BadRequest(413, "too-large", "Body too large", "the request body is larger than "
                    + MAX_BODY_BYTES + " bytes");
        }
        String type = r.header("Content-Type");
        if (type != null && !isJson(type)) {
            throw new BadRequest(415, "unsupported-media-type", "Unsupported media type", "the body must be"
                    + " application/json, but Content-Type was '" + abbreviate(type) + "'");
        }
        SubmitBody b = parse(body);
        String key = b.idempotencyKey() != null ? b.idempotencyKey() : r.header("Idempotency-Key");
        if (key != null && (key.isBlank() || key.length() > 256)) {
            throw new BadRequest(400, "invalid-field", "Invalid field", "idempotencyKey must be 1-256 characters");
        }
        // the API's keys live in their own namespace: no client can take a key an S3 trigger will use
        java.time.Duration deadline;
        try {
            deadline = b.deadline() == null ? null : dev.soal.core.Sizes.parseDuration(b.deadline());
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "invalid-field", "Invalid field", "deadline: " + e.getMessage());
        }
        JobRequest request = new JobRequest(b.script(), b.mainClass(), b.inputs(), b.output(), b.arguments(), b.tags(),
                key == null ? null : API_KEY_NAMESPACE + key, Json.write(Map.of("source", "api", "method", "POST", "path", "/jobs")),
                b.sparkConf()).withDeadline(deadline);
        String dryRun = r.query().get("dryRun");
        if (dryRun != null && !dryRun.equals("true") && !dryRun.equals("false")) {
            throw new BadRequest(400, "invalid-parameter", "Invalid parameter", "dryRun must be true or false, but was '"
                    + abbreviate(dryRun) + "'");
        }
        if ("true".equals(dryRun)) {
            JobService.Plan plan = jobs.plan(request);
            return json(200, new Plan(plan.decision().backend().id(), memory(plan.decision().lambdaMemoryMb()),
                    plan.decision().reasons(), plan.measurement().totalBytes(), plan.measurement().objectCount(),
                    JobView.PredictionView.of(plan.decision().predictions())));
        }
        JobService.Submitted s = jobs.submit(request);
        JobRecord j = s.job();
        return withHeader(json(202, new Submitted(j.id(), j.state().name(), s.existing(), j.decision().backend().id(),
                memory(j.decision().lambdaMemoryMb()), j.decision().reasons(), j.request().outputUri())),
                "Location", "/jobs/" + j.id());
    }

    /** application/json, or a +json type, with any parameters (charset). */
    private static boolean isJson(String contentType) {
        String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mime.equals("application/json") || (mime.startsWith("application/") && mime.endsWith("+json"));
    }

    private static SubmitBody parse(String body) {
        try {
            SubmitBody b = Json.mapper().readValue(body, SubmitBody.class);
            if (b == null) {
                throw new BadRequest(400, "malformed-json", "Malformed JSON", "expected a JSON object, but was null");
            }
            return b;
        } catch (UnrecognizedPropertyException e) {
            throw new BadRequest(400, "unknown-field", "Unknown field", "unknown field '" + e.getPropertyName()
                    + "'; known: script, mainClass, inputs, output, arguments, tags, idempotencyKey, sparkConf, deadline");
        } catch (MismatchedInputException e) {
            String field = e.getPath().stream().map(p -> p.getFieldName() != null ? p.getFieldName() : "[" + p.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw new BadRequest(400, "invalid-field", "Invalid field", field.isEmpty()
                    ? "expected a JSON object" : "field '" + field + "' has the wrong type (" + firstLine(e.getOriginalMessage()) + ")");
        } catch (JsonMappingException e) {
            throw new BadRequest(400, "invalid-field", "Invalid field", firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new BadRequest(400, "malformed-json", "Malformed JSON", "the body is not valid JSON: "
                    + firstLine(e.getOriginalMessage()) + " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        }
    }

    private ApiResponse list(ApiRequest r) {
        JobState state = null;
        String s = r.query().get("state");
        if (s != null && !s.isEmpty()) {
            try {
                state = JobState.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadRequest(400, "invalid-parameter", "Invalid parameter", "state must be one of "
                        + List.of(JobState.values()) + ", but was '" + abbreviate(s) + "'");
            }
        }
        int limit = number(r, "limit", DEFAULT_LIMIT, MAX_LIMIT);
        String token = r.query().get("nextToken");
        if (token != null && (token.isEmpty() || token.length() > 512)) {
            throw new BadRequest(400, "invalid-parameter", "Invalid parameter", "nextToken must be a token from an earlier page");
        }
        dev.soal.core.Backend backend = null;
        String b = r.query().get("backend");
        if (b != null && !b.isEmpty()) {
            try {
                backend = dev.soal.core.Backend.fromId(b);
            } catch (IllegalArgumentException e) {
                throw new BadRequest(400, "invalid-parameter", "Invalid parameter", "backend: " + abbreviate(e.getMessage()));
            }
        }
        String trigger = r.query().get("trigger");
        trigger = trigger == null || trigger.isEmpty() ? null : trigger;
        if (trigger != null && trigger.length() > 256) {
            throw new BadRequest(400, "invalid-parameter", "Invalid parameter", "trigger must be at most 256 characters");
        }
        try {
            return json(200, ListFilter.page(jobs, state, backend, trigger, limit, token));
        } catch (dev.soal.core.JobStore.InvalidPageTokenException e) {
            throw new BadRequest(400, "invalid-parameter", "Invalid parameter", e.getMessage());
        }
    }

    /** A job id from a path, or a 400. */
    private static String jobId(String id) {
        if (!JOB_ID.matcher(id).matches()) {
            throw new BadRequest(400, "invalid-job-id", "Invalid job id",
                    "job id must be 1-128 letters, digits, '.', '_' or '-', but was '" + abbreviate(id) + "'");
        }
        return id;
    }

    /** The query parameter {@code name}, a number within 1..{@code max}, {@code fallback} when absent; else a 400. */
    private static int number(ApiRequest r, String name, int fallback, int max) {
        String v = r.query().get(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > max) {
            throw new BadRequest(400, "invalid-parameter", "Invalid parameter", name + " must be a number within 1.." + max
                    + ", but was '" + abbreviate(v) + "'");
        }
        return n;
    }

    private ApiResponse cancel(String id) {
        JobRecord before = jobs.get(id);
        if (before.state().isTerminal()) {
            throw new BadRequest(409, "already-ended", "Job already ended", "job " + id + " is " + before.state()
                    + "; there is nothing to cancel");
        }
        return json(202, JobView.of(jobs.cancel(id)));
    }

    private static Integer memory(int mb) {
        return mb == 0 ? null : mb;
    }

    static ApiResponse json(int status, Object body) {
        return new ApiResponse(status, Map.of("Content-Type", "application/json"), Json.write(body));
    }

    static ApiResponse problem(int status, String slug, String title, String detail) {
        return new ApiResponse(status, Map.of("Content-Type", "application/problem+json"),
                Json.write(new Problem(PROBLEM_TYPE + slug, title, status, detail)));
    }

    static ApiResponse withHeader(ApiResponse r, String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(r.headers());
        h.put(name, value);
        return new ApiResponse(r.status(), h, r.body());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** A request the API refuses, with its status. */
    static final class BadRequest extends RuntimeException {
        final int status;
        final String slug;
        final String title;
        String allow;

        /** For 405: the methods the resource allows. */
        BadRequest allow(String methods) {
            this.allow = methods;
            return this;
        }

        BadRequest(int status, String slug, String title, String detail) {
            super(detail);
            this.status = status;
            this.slug = slug;
            this.title = title;
        }
    }
}

package dev.soal.tests.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder.responseDefinition;

/**
 * A stateful stand-in for the EMR Serverless and Glue control planes at the wire (paths, targets, JSON
 * shapes and error forms as the service models give them), which fails a share of calls on purpose:
 * throttling (429 ThrottlingException / 400 ThrottlingException) and server errors (500), some of them
 * after the run was started (the answer is lost, the run exists). EMR honours clientToken as EMR does;
 * Glue has none. Runs advance one state per status call.
 */
public final class ControlPlaneSimulator implements ResponseDefinitionTransformerV2 {
    private static final Pattern EMR_RUNS = Pattern.compile("/applications/([^/]+)/jobruns(?:/([^/?]+))?(?:\\?.*)?");
    private static final List<String> EMR_STATES = List.of("SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "SUCCESS");
    private static final List<String> GLUE_STATES = List.of("STARTING", "RUNNING", "SUCCEEDED");

    /** One run: which service, its id, the SoAL job it belongs to, and how far it has got. */
    public record Run(String service, String id, String jobId, AtomicInteger polls) {
    }

    private final Random random;
    private final double faultRate;
    private final Map<String, Run> emrRuns = new ConcurrentHashMap<>();
    private final Map<String, String> emrTokens = new ConcurrentHashMap<>();
    private final List<Run> glueRuns = new ArrayList<>();
    public final AtomicInteger calls = new AtomicInteger();
    public final AtomicInteger throttled = new AtomicInteger();
    public final AtomicInteger serverErrors = new AtomicInteger();
    public final AtomicInteger lostAnswers = new AtomicInteger();

    public ControlPlaneSimulator(long seed, double faultRate) {
        this.random = new Random(seed);
        this.faultRate = faultRate;
    }

    @Override
    public String getName() {
        return "control-plane-simulator";
    }

    @Override
    public boolean applyGlobally() {
        return true;
    }

    /** Every run started, on both services. */
    public synchronized List<Run> runs() {
        List<Run> all = new ArrayList<>(emrRuns.values());
        all.addAll(glueRuns);
        return all;
    }

    @Override
    public synchronized ResponseDefinition transform(ServeEvent event) {
        Request req = event.getRequest();
        calls.incrementAndGet();
        String target = req.getHeader("X-Amz-Target");
        boolean glue = target != null && target.startsWith("AWSGlue.");
        double roll = random.nextDouble();
        if (roll < faultRate / 2) {
            throttled.incrementAndGet();
            return glue ? glueError(400, "ThrottlingException", "Rate exceeded")
                    : emrError(429, "ThrottlingException", "Rate exceeded");
        }
        boolean serverError = roll < faultRate;
        boolean starting = glue ? target.equals("AWSGlue.StartJobRun")
                : req.getMethod().getName().equals("POST");
        if (serverError && !(starting && random.nextBoolean())) {
            serverErrors.incrementAndGet();
            return glue ? glueError(500, "InternalServiceException", "Internal failure")
                    : emrError(500, "InternalServerException", "Internal failure");
        }
        ResponseDefinition answer = glue ? glue(target.substring("AWSGlue.".length()), tree(req.getBodyAsString()))
                : emr(req);
        if (serverError) {
            lostAnswers.incrementAndGet();
            serverErrors.incrementAndGet();
            return glue ? glueError(500, "InternalServiceException", "Internal failure")
                    : emrError(500, "InternalServerException", "Internal failure");
        }
        return answer;
    }

    private ResponseDefinition emr(Request req) {
        Matcher m = EMR_RUNS.matcher(req.getUrl());
        if (!m.matches()) {
            return emrError(404, "ResourceNotFoundException", "no such path " + req.getUrl());
        }
        String app = m.group(1);
        String runId = m.group(2);
        String method = req.getMethod().getName();
        if (method.equals("POST") && runId == null) {
            JsonNode body = tree(req.getBodyAsString());
            String token = body.path("clientToken").asText();
            String id = emrTokens.computeIfAbsent(token, t -> {
                String newId = String.format("00f%013x", emrRuns.size() + 1);
                String jobId = body.path("tags").path("soal-job-id").asText();
                emrRuns.put(newId, new Run("emr-serverless", newId, jobId, new AtomicInteger()));
                return newId;
            });
            return ok("application/json", "{\"applicationId\":\"" + app + "\",\"jobRunId\":\"" + id
                    + "\",\"arn\":\"arn:aws:emr-serverless:us-east-1:123456789012:/applications/" + app + "/jobruns/" + id + "\"}");
        }
        if (method.equals("GET") && runId == null) {
            ObjectNode out = dev.soal.core.Json.mapper().createObjectNode();
            ArrayNode list = out.putArray("jobRuns");
            for (Run r : emrRuns.values()) {
                ObjectNode s = list.addObject();
                s.put("applicationId", app).put("id", r.id()).put("name", "soal-" + r.jobId())
                        .put("arn", "arn:aws:emr-serverless:us-east-1:123456789012:/applications/" + app + "/jobruns/" + r.id())
                        .put("createdBy", "arn:aws:iam::123456789012:role/soal").put("createdAt", 1764067200.0)
                        .put("updatedAt", 1764067200.0).put("executionRole", "arn:aws:iam::123456789012:role/soal-emr")
                        .put("state", emrState(r, false)).put("stateDetails", "").put("releaseLabel", "emr-7.5.0");
            }
            return ok("application/json", out.toString());
        }
        Run run = emrRuns.get(runId);
        if (run == null) {
            return emrError(404, "ResourceNotFoundException", "Job run " + runId + " does not exist");
        }
        if (method.equals("GET")) {
            String state = emrState(run, true);
            return ok("application/json", "{\"jobRun\":{\"applicationId\":\"" + app + "\",\"jobRunId\":\"" + run.id()
                    + "\",\"name\":\"soal-" + run.jobId() + "\",\"arn\":\"arn:x\",\"createdBy\":\"arn:y\",\"createdAt\":1764067200.0,"
                    + "\"updatedAt\":1764067260.0,\"executionRole\":\"arn:r\",\"state\":\"" + state + "\",\"stateDetails\":\"\","
                    + "\"releaseLabel\":\"emr-7.5.0\",\"jobDriver\":{\"sparkSubmit\":{\"entryPoint\":\"s3://a/soal-runner.jar\"}}"
                    + (state.equals("SUCCESS") ? ",\"totalExecutionDurationSeconds\":75,\"billedResourceUtilization\":"
                    + "{\"vCPUHour\":0.1667,\"memoryGBHour\":0.6667,\"storageGBHour\":0.0}" : "") + "}}");
        }
        return ok("application/json", "{\"applicationId\":\"" + app + "\",\"jobRunId\":\"" + run.id() + "\"}");
    }

    private static String emrState(Run run, boolean advance) {
        int i = advance ? run.polls().getAndIncrement() : run.polls().get();
        return EMR_STATES.get(Math.min(i, EMR_STATES.size() - 1));
    }

    private ResponseDefinition glue(String operation, JsonNode body) {
        switch (operation) {
            case "StartJobRun" -> {
                String id = "jr_" + String.format("%040x", glueRuns.size() + 1);
                glueRuns.add(new Run("glue", id, body.path("Arguments").path("--job-id").asText(), new AtomicInteger()));
                return ok("application/x-amz-json-1.1", "{\"JobRunId\":\"" + id + "\"}");
            }
            case "GetJobRuns" -> {
                ObjectNode out = dev.soal.core.Json.mapper().createObjectNode();
                ArrayNode list = out.putArray("JobRuns");
                for (int i = glueRuns.size() - 1; i >= 0; i--) {
                    glueRun(list.addObject(), glueRuns.get(i), false);
                }
                return ok("application/x-amz-json-1.1", out.toString());
            }
            case "GetJobRun" -> {
                String id = body.path("RunId").asText();
                for (Run r : glueRuns) {
                    if (r.id().equals(id)) {
                        ObjectNode out = dev.soal.core.Json.mapper().createObjectNode();
                        glueRun(out.putObject("JobRun"), r, true);
                        return ok("application/x-amz-json-1.1", out.toString());
                    }
                }
                return glueError(400, "EntityNotFoundException", "Job run " + id + " not found");
            }
            default -> {
                return glueError(400, "InvalidInputException", "unsupported operation " + operation);
            }
        }
    }

    private static void glueRun(ObjectNode n, Run r, boolean advance) {
        int i = advance ? r.polls().getAndIncrement() : r.polls().get();
        String state = GLUE_STATES.get(Math.min(i, GLUE_STATES.size() - 1));
        n.put("Id", r.id()).put("Attempt", 0).put("JobName", "soal-runner").put("StartedOn", 1764067200.0)
                .put("JobRunState", state).put("ExecutionTime", 70).put("WorkerType", "G.1X").put("NumberOfWorkers", 10)
                .put("GlueVersion", "5.0").put("ExecutionClass", "STANDARD");
        n.putObject("Arguments").put("--job-id", r.jobId());
    }

    private static JsonNode tree(String body) {
        try {
            return dev.soal.core.Json.mapper().readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + body, e);
        }
    }

    private static ResponseDefinition ok(String contentType, String body) {
        return responseDefinition().withStatus(200).withHeader("Content-Type", contentType)
                .withHeader("x-amzn-RequestId", java.util.UUID.randomUUID().toString()).withBody(body).build();
    }

    private static ResponseDefinition emrError(int status, String type, String message) {
        return responseDefinition().withStatus(status).withHeader("Content-Type", "application/json")
                .withHeader("x-amzn-ErrorType", type).withHeader("Retry-After", "0")
                .withBody("{\"message\":\"" + message + "\"}").build();
    }

    private static ResponseDefinition glueError(int status, String type, String message) {
        return responseDefinition().withStatus(status).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"" + type + "\",\"Message\":\"" + message + "\"}").build();
    }
}

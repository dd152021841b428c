package dev.soal.router.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.Json;
import dev.soal.core.SoalException;
import dev.soal.router.JobService;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Moves jobs on the word of AWS, so nobody has to ask: EventBridge state-change events of EMR Serverless
 * ("EMR Serverless Job Run State Change") and Glue ("Glue Job State Change"), and the runtime Lambda's
 * on-failure destination records (delivered through SQS) for invocations that failed, timed out or were
 * never run. A state-change event names a run; the job is found through the backend (the run's name,
 * tag or {@code --job-id} argument) and refreshed, so the status and cost come from the backend's own
 * answer. A failure record ends the job with the function's own error text, unless the job has ended or
 * another invocation holds it.
 */
public final class StatusEvents {
    /** What an event (or one record of it) did. */
    public record Outcome(String source, String jobId, String result, String detail) {
    }

    private static final java.util.regex.Pattern JOB_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final JobService jobs;

    public StatusEvents(JobService jobs) {
        this.jobs = jobs;
    }

    public List<Outcome> handle(String eventJson) {
        JsonNode event;
        try {
            event = Json.mapper().readTree(eventJson);
        } catch (Exception e) {
            throw new SoalException("not a status event: the JSON does not parse (" + e.getMessage() + ")", e, false);
        }
        if (event == null || !event.isObject()) {
            throw new SoalException("not a status event: expected a JSON object", false);
        }
        if (event.path("Records").isArray()) {
            List<Outcome> out = new ArrayList<>();
            for (JsonNode record : event.path("Records")) {
                out.add(destinationRecord(record));
            }
            return out;
        }
        String source = event.path("source").asText("");
        String type = event.path("detail-type").asText("");
        JsonNode detail = event.path("detail");
        if (source.equals("aws.emr-serverless") && type.equals("EMR Serverless Job Run State Change")) {
            String runId = detail.path("jobRunId").asText(null);
            String name = detail.path("jobRunName").asText("");
            Optional<String> jobId = name.startsWith("soal-") ? Optional.of(name.substring(5))
                    : runId == null ? Optional.empty() : jobs.jobIdOf(Backend.EMR_SERVERLESS, runId);
            return List.of(refresh("emr-serverless run " + runId + " " + detail.path("state").asText("?"), jobId));
        }
        if (source.equals("aws.glue") && (type.equals("Glue Job State Change") || type.equals("Glue Job Run Status"))) {
            String runId = detail.path("jobRunId").asText(null);
            Optional<String> jobId = runId == null ? Optional.empty() : jobs.jobIdOf(Backend.GLUE, runId);
            return List.of(refresh("glue run " + runId + " of " + detail.path("jobName").asText("?") + " "
                    + detail.path("state").asText("?"), jobId));
        }
        throw new SoalException("not a status event SoAL handles: source '" + source + "', detail-type '" + type + "'", false);
    }

    private Outcome refresh(String what, Optional<String> jobId) {
        if (jobId.isEmpty()) {
            return new Outcome(what, null, "skipped", "no SoAL job started this run");
        }
        if (!JOB_ID.matcher(jobId.get()).matches()) {
            return new Outcome(what, null, "skipped", "not a SoAL job id: '" + jobId.get() + "'");
        }
        try {
            JobRecord j = jobs.refresh(jobId.get());
            return new Outcome(what, j.id(), "refreshed", j.state() + (j.message() == null ? "" : ": " + j.message()));
        } catch (JobService.JobNotFoundException e) {
            return new Outcome(what, jobId.get(), "skipped", e.getMessage());
        }
    }

    /** An SQS record whose body is a Lambda destination record (on failure) of the Spark runtime. */
    private Outcome destinationRecord(JsonNode sqsRecord) {
        JsonNode body;
        try {
            body = Json.mapper().readTree(sqsRecord.path("body").asText(""));
        } catch (Exception e) {
            return new Outcome("sqs", null, "skipped", "the record's body is not JSON");
        }
        JsonNode context = body == null ? null : body.path("requestContext");
        String jobId = body == null ? null : body.path("requestPayload").path("job").path("id").asText(null);
        if (context == null || context.isMissingNode() || jobId == null || !JOB_ID.matcher(jobId).matches()) {
            return new Outcome("sqs", null, "skipped", "not a destination record of the SoAL runtime");
        }
        String condition = context.path("condition").asText("?");
        String requestId = context.path("requestId").asText(null);
        JsonNode response = body.path("responsePayload");
        String error = response.path("errorMessage").asText(null);
        String type = response.path("errorType").asText(null);
        String functionError = body.path("responseContext").path("functionError").asText(null);
        boolean timedOut = (error != null && error.contains("Task timed out after")) || "Sandbox.Timedout".equals(type);
        String message = "the runtime function " + (timedOut ? "timed out" : "failed") + " (" + condition
                + (functionError == null ? "" : ", " + functionError) + (type == null ? "" : ", " + type) + ")"
                + (error == null ? "" : ": " + error);
        String what = "lambda " + context.path("functionArn").asText("?") + " request " + requestId;
        try {
            JobRecord j = jobs.runtimeFailed(jobId, requestId, timedOut, type != null ? type : "FUNCTION_ERROR", message);
            return new Outcome(what, jobId, j.state().isTerminal() ? "ended" : "kept", j.state() + ": " + j.message());
        } catch (JobService.JobNotFoundException e) {
            return new Outcome(what, jobId, "skipped", e.getMessage());
        }
    }
}

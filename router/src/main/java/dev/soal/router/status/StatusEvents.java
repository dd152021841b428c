package dev.soal.router.status;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.Json;
import dev.soal.core.SoalException;
import dev.soal.router.JobService;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /** The runtime's on-failure destination records, as the SQS event source delivers them (one per message). */
    public List<Outcome> handle(SQSEvent event) {
        if (event == null || event.getRecords() == null) {
            throw new SoalException("not an SQS event: no Records", false);
        }
        List<Outcome> out = new ArrayList<>();
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            out.add(destinationRecord(message.getBody()));
        }
        return out;
    }

    /** An EventBridge state-change event of EMR Serverless or Glue; any other event is an error naming it. */
    public List<Outcome> handle(ScheduledEvent event) {
        String source = event.getSource() == null ? "" : event.getSource();
        String type = event.getDetailType() == null ? "" : event.getDetailType();
        Map<String, Object> detail = event.getDetail() == null ? Map.of() : event.getDetail();
        if (source.equals("aws.emr-serverless") && type.equals("EMR Serverless Job Run State Change")) {
            String runId = text(detail, "jobRunId", null);
            String name = text(detail, "jobRunName", "");
            Optional<String> jobId = name.startsWith("soal-") ? Optional.of(name.substring(5))
                    : runId == null ? Optional.empty() : jobs.jobIdOf(Backend.EMR_SERVERLESS, runId);
            return List.of(refresh("emr-serverless run " + runId + " " + text(detail, "state", "?"), jobId));
        }
        if (source.equals("aws.glue") && (type.equals("Glue Job State Change") || type.equals("Glue Job Run Status"))) {
            String runId = text(detail, "jobRunId", null);
            Optional<String> jobId = runId == null ? Optional.empty() : jobs.jobIdOf(Backend.GLUE, runId);
            return List.of(refresh("glue run " + runId + " of " + text(detail, "jobName", "?") + " "
                    + text(detail, "state", "?"), jobId));
        }
        throw new SoalException("not a status event SoAL handles: source '" + source + "', detail-type '" + type + "'", false);
    }

    private static String text(Map<String, Object> detail, String field, String otherwise) {
        Object v = detail.get(field);
        return v == null ? otherwise : v.toString();
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

    static final String EVENT_AGE_EXCEEDED = "EventAgeExceeded";

    /** An SQS record whose body is a Lambda destination record (on failure) of the Spark runtime. */
    private Outcome destinationRecord(String messageBody) {
        JsonNode body;
        try {
            body = Json.mapper().readTree(messageBody == null ? "" : messageBody);
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
        // an event Lambda dropped unrun: it waited in the queue (throttled, or for concurrency) past its maximum age
        boolean expired = EVENT_AGE_EXCEEDED.equals(condition);
        String message = expired ? "the runtime function never ran it: the event waited in Lambda's queue past the"
                + " functions' maximum event age (" + condition + ")"
                : "the runtime function " + (timedOut ? "timed out" : "failed") + " (" + condition
                + (functionError == null ? "" : ", " + functionError) + (type == null ? "" : ", " + type) + ")"
                + (error == null ? "" : ": " + error);
        String what = "lambda " + context.path("functionArn").asText("?") + " request " + requestId;
        try {
            JobRecord j = jobs.runtimeFailed(jobId, requestId, timedOut, expired ? EVENT_AGE_EXCEEDED
                    : type != null ? type : "FUNCTION_ERROR", message);
            return new Outcome(what, jobId, j.state().isTerminal() ? "ended" : "kept", j.state() + ": " + j.message());
        } catch (JobService.JobNotFoundException e) {
            return new Outcome(what, jobId, "skipped", e.getMessage());
        }
    }
}

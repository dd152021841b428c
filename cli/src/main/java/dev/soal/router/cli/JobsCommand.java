package dev.soal.router.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.core.Json;
import dev.soal.core.Sizes;
import dev.soal.router.client.JobsApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code soal jobs list|show|logs|cancel|submit}: the jobs of a running {@code soal serve} or a deployed stack, through the
 * same API any client uses ({@link ApiOptions}); tables for people, {@code --json} for scripts. Exit status: 0, 1 when
 * the API refused or failed, 2 for a usage error.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "List, show, read the logs of, cancel and submit jobs of soal serve (--api URL --token T) or a deployed stack (--stack NAME).",
        subcommands = {JobsCommand.ListJobs.class, JobsCommand.ShowJob.class, JobsCommand.LogsOfJob.class, JobsCommand.CancelJob.class,
                JobsCommand.SubmitJob.class})
final class JobsCommand {

    /** Runs {@code action} on the options' client, printing what it returns; errors become a message and an exit status. */
    static int run(ApiOptions options, boolean json, String what, Function<JobsApiClient, JsonNode> action,
                   java.util.function.Consumer<JsonNode> table) {
        JobsApiClient client = client(options, what);
        return client == null ? 2 : run(client, json, what, action, table);
    }

    /** The options' client, or null after saying why there is none (a usage error). */
    static JobsApiClient client(ApiOptions options, String what) {
        try {
            return options.client();
        } catch (IllegalArgumentException | IllegalStateException | software.amazon.awssdk.core.exception.SdkException e) {
            System.err.println("soal jobs " + what + ": " + e.getMessage());
            return null;
        }
    }

    static int run(JobsApiClient client, boolean json, String what, Function<JobsApiClient, JsonNode> action,
                   java.util.function.Consumer<JsonNode> table) {
        PrintStream out = System.out;
        try {
            JsonNode answer = action.apply(client);
            if (json) {
                out.println(Json.write(answer));
            } else {
                table.accept(answer);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("soal jobs " + what + ": " + e.getMessage());
            return 2;
        } catch (JobsApiClient.ApiException | software.amazon.awssdk.core.exception.SdkException e) {
            System.err.println("soal jobs " + what + ": " + e.getMessage());
            return 1;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The jobs, newest first, a page at a time.")
    static final class ListJobs implements Callable<Integer> {
        @Mixin
        ApiOptions api = new ApiOptions();

        @Option(names = "--json", description = "Print the API's JSON answer instead of a table.")
        boolean json;

        @Option(names = "--state", description = "Only jobs in this state (QUEUED, RUNNING, SUCCEEDED, FAILED, ...).")
        String state;

        @Option(names = "--backend", description = "Only jobs on this backend (lambda, emr-serverless, glue, standalone).")
        String backend;

        @Option(names = "--trigger", description = "Only jobs of this S3 trigger or stream.")
        String trigger;

        @Option(names = "--limit", description = "Jobs per page, 1..100 (default: the API's, 20).")
        Integer limit;

        @Option(names = "--next-token", description = "The page after the one that printed this token.")
        String nextToken;

        @Override
        public Integer call() {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("state", state == null ? null : state.toUpperCase(java.util.Locale.ROOT));
            q.put("backend", backend);
            q.put("trigger", trigger);
            q.put("limit", limit == null ? null : String.valueOf(limit));
            q.put("nextToken", nextToken);
            return run(api, json, "list", c -> c.list(q), page -> JobTables.list(page, System.out));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One job: its decision and reasons, timeline, cost and usage.")
    static final class ShowJob implements Callable<Integer> {
        @Mixin
        ApiOptions api = new ApiOptions();

        @Option(names = "--json", description = "Print the API's JSON answer instead of a table.")
        boolean json;

        @Parameters(paramLabel = "JOB", description = "The job's id.")
        String jobId;

        @Option(names = "--follow", description = "Then print each change of state as it happens, until the job ends;"
                + " exit 0 if it SUCCEEDED, 3 if it ended otherwise.")
        boolean follow;

        @Option(names = "--interval", defaultValue = "2", description = "With --follow: seconds between looks (default ${DEFAULT-VALUE}).")
        double interval;

        @Override
        public Integer call() throws InterruptedException {
            if (!follow) {
                return run(api, json, "show", c -> c.show(jobId), job -> JobTables.show(job, System.out));
            }
            if (interval <= 0) {
                System.err.println("soal jobs show: --interval must be > 0, but was " + interval);
                return 2;
            }
            JobsApiClient client = client(api, "show"); // once: with --stack, one DescribeStacks, not one per look
            if (client == null) {
                return 2;
            }
            JsonNode[] last = new JsonNode[1];
            int code = run(client, json, "show", c -> last[0] = c.show(jobId), job -> JobTables.show(job, System.out));
            if (code != 0) {
                return code;
            }
            int seen = last[0].path("history").size();
            dev.soal.core.JobProgress[] shown = {JobTables.progressOf(last[0]).orElse(null)};
            while (!ended(last[0].path("state").asText())) {
                Thread.sleep((long) (interval * 1000));
                int before = seen;
                code = run(client, json, "show", c -> last[0] = c.show(jobId), job -> {
                    JobTables.changes(job, before, System.out);
                    shown[0] = JobTables.progress(job, shown[0], System.out);
                });
                if (code != 0) {
                    return code;
                }
                seen = last[0].path("history").size();
            }
            return last[0].path("state").asText().equals("SUCCEEDED") ? 0 : 3;
        }
    }

    /** Whether the API's state name is one a job ends in; a name this CLI does not know is taken as not ended. */
    static boolean ended(String state) {
        try {
            return dev.soal.core.JobState.valueOf(state).isTerminal();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true,
            description = "A job's logs, wherever its runs left them: each attempt's (a spilled-over job has two).")
    static final class LogsOfJob implements Callable<Integer> {
        @Mixin
        ApiOptions api = new ApiOptions();

        @Option(names = "--json", description = "Print the API's JSON answer instead of the lines.")
        boolean json;

        @Option(names = "--lines", defaultValue = "500", description = "The last lines of each attempt's log, 1..2000 (default ${DEFAULT-VALUE}).")
        int lines;

        @Parameters(paramLabel = "JOB", description = "The job's id.")
        String jobId;

        @Override
        public Integer call() {
            return run(api, json, "logs", c -> c.logs(jobId, lines), logs -> JobTables.logs(logs, System.out));
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job that has not ended.")
    static final class CancelJob implements Callable<Integer> {
        @Mixin
        ApiOptions api = new ApiOptions();

        @Option(names = "--json", description = "Print the API's JSON answer instead of a table.")
        boolean json;

        @Parameters(paramLabel = "JOB", description = "The job's id.")
        String jobId;

        @Override
        public Integer call() {
            return run(api, json, "cancel", c -> c.cancel(jobId), job -> System.out.println("job " + job.path("jobId").asText() + ": "
                    + job.path("state").asText() + (job.hasNonNull("message") ? " - " + job.path("message").asText() : "")));
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a job whose script and inputs are in S3.")
    static final class SubmitJob implements Callable<Integer> {
        @Mixin
        ApiOptions api = new ApiOptions();

        @Option(names = "--json", description = "Print the API's JSON answer instead of a table.")
        boolean json;

        @Option(names = "--script", required = true, description = "The script: s3://bucket/key.sql, or a .jar with --main-class.")
        String script;

        @Option(names = "--input", arity = "1..*", description = "Input objects or folders, s3://.")
        List<String> inputs;

        @Option(names = "--output", description = "Where the job writes (default: the router's output location for the job).")
        String output;

        @Option(names = "--main-class", description = "The main class, for a .jar script.")
        String mainClass;

        @Option(names = "--arg", description = "NAME=value, ${NAME} in SQL.")
        Map<String, String> arguments;

        @Option(names = "--tag", description = "key=value labels, matched by policy rules.")
        Map<String, String> tags;

        @Option(names = "--idempotency-key", description = "A second submit with the same key returns the first job.")
        String idempotencyKey;

        @Option(names = "--deadline", description = "When the result is wanted: 20m, 1h30m, 90s or PT20M.")
        String deadline;

        @Option(names = "--dry-run", description = "Print the decision (and predictions) and submit nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            if (deadline != null) {
                try {
                    Sizes.parseDuration(deadline);
                } catch (IllegalArgumentException e) {
                    System.err.println("soal jobs submit: --deadline: " + e.getMessage());
                    return 2;
                }
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("script", script);
            body.put("mainClass", mainClass);
            body.put("inputs", inputs == null ? List.of() : inputs);
            body.put("output", output);
            body.put("arguments", arguments);
            body.put("tags", tags);
            body.put("idempotencyKey", idempotencyKey);
            body.put("deadline", deadline);
            return run(api, json, "submit", c -> c.submit(body, dryRun), answer -> JobTables.submitted(answer, dryRun, System.out));
        }
    }
}

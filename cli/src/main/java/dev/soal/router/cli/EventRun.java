package dev.soal.router.cli;

import dev.soal.core.JobRecord;
import dev.soal.core.Json;
import dev.soal.core.LambdaEvents;
import dev.soal.core.SoalException;
import dev.soal.core.StreamBinding;
import dev.soal.policies.Policies;
import dev.soal.policies.StreamPolicy;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.triggers.S3TriggerHandler;
import dev.soal.router.embedded.LocalLambdaService;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotification;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotificationRecord;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code soal run --event EVENT.json}: one job on a given Lambda event, as {@code sam local invoke --event} runs one.
 * An S3 event's objects are the job's inputs (and the event its {@code ${event}}); a Kinesis or Kafka event, as an
 * event source mapping delivers it, is handed to the runtime function synchronously through the local Lambda
 * service, exactly as Lambda's mapping would, and its answer ({@code batchItemFailures}) is printed.
 */
final class EventRun {
    /** What kind of event it is, and for a stream, the binding that takes it. */
    record Kind(String source, StreamBinding binding, List<String> s3Inputs) {
    }

    private EventRun() {
    }

    /**
     * Reads the event's kind: an S3 notification (its objects, keys decoded as S3 encodes them), a Kinesis event (its
     * stream's ARN) or a Kafka one (its cluster's ARN or bootstrap servers, and its topic); anything else is refused.
     */
    static Kind kind(String json, String script, String mainClass, Map<String, String> arguments, Policies policies) {
        Map<String, Object> event;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.read(json, Map.class);
            event = m;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the event is not a JSON object: " + e.getMessage());
        }
        LambdaEvents.Kind kind = LambdaEvents.kind(event);
        if (kind == LambdaEvents.Kind.KAFKA) {
            String topic = null;
            if (event.get("records") instanceof Map<?, ?> records) {
                for (Object list : records.values()) {
                    if (list instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> r) {
                        topic = String.valueOf(r.get("topic"));
                        break;
                    }
                }
            }
            if (topic == null) {
                throw new IllegalArgumentException("the Kafka event holds no record (records: {\"<topic>-<partition>\": [...]})");
            }
            String arn = event.get("eventSourceArn") instanceof String s ? s : null;
            String servers = arn == null && event.get("bootstrapServers") instanceof String s ? s : null;
            return new Kind(StreamBinding.KAFKA, binding(policies, StreamBinding.KAFKA, arn, servers, topic, script, mainClass, arguments), List.of());
        }
        if (kind == LambdaEvents.Kind.KINESIS) {
            String arn = String.valueOf(((Map<?, ?>) ((List<?>) event.get("Records")).get(0)).get("eventSourceARN"));
            return new Kind(StreamBinding.KINESIS, binding(policies, StreamBinding.KINESIS, arn, null, null, script, mainClass, arguments), List.of());
        }
        if (kind == LambdaEvents.Kind.S3) {
            List<String> inputs = new ArrayList<>();
            for (S3EventNotificationRecord r : S3EventNotification.fromJson(json).getRecords()) {
                if (r.getS3() == null || r.getS3().getBucket() == null || r.getS3().getObject() == null
                        || r.getS3().getBucket().getName() == null || r.getS3().getObject().getKey() == null) {
                    throw new IllegalArgumentException("an S3 notification's record names no s3.bucket.name or s3.object.key");
                }
                inputs.add("s3://" + r.getS3().getBucket().getName() + "/" + S3TriggerHandler.decodedKey(r.getS3().getObject().getKey()));
            }
            return new Kind("s3", null, inputs);
        }
        throw new IllegalArgumentException("the event is neither an S3 notification, a Kinesis event nor a Kafka (MSK or"
                + " self-managed) event, as Lambda delivers them; its keys were " + event.keySet());
    }

    /** The policies' stream of this source if there is one (its name), else one named {@code run}; the given script either way. */
    private static StreamBinding binding(Policies policies, String source, String arn, String servers, String topic, String script,
                                         String mainClass, Map<String, String> arguments) {
        String name = policies.streams().stream().map(StreamPolicy::binding)
                .filter(b -> b.matches(source, arn, servers, topic)).map(StreamBinding::name).findFirst().orElse("run");
        if (StreamBinding.KAFKA.equals(source) && arn == null && servers == null) {
            throw new IllegalArgumentException("the Kafka event names neither its cluster (eventSourceArn) nor its bootstrapServers");
        }
        return new StreamBinding(name, source, arn, servers, topic, script, mainClass, arguments, 128);
    }

    /** The policies with the event's stream on the smallest tier that holds the event, in place of one of that source. */
    static Policies withStream(Policies p, StreamBinding b, long eventBytes) {
        int memory = p.lambda().memory().stream().filter(t -> t.upToBytes() >= eventBytes).findFirst()
                .orElse(p.lambda().memory().get(p.lambda().memory().size() - 1)).memoryMb();
        StreamBinding onTier = new StreamBinding(b.name(), b.source(), b.arn(), b.bootstrapServers(), b.topic(), b.script(),
                b.mainClass(), b.arguments(), memory);
        List<StreamPolicy> streams = new ArrayList<>();
        for (StreamPolicy s : p.streams()) {
            if (!s.binding().name().equals(b.name())) {
                streams.add(s);
            }
        }
        streams.add(new StreamPolicy(onTier, 100, 0, "TRIM_HORIZON", null, false, 1, StreamPolicy.DEFAULT_QUEUE, 0, 0));
        return new Policies(p.lambda(), p.clusterOrder(), p.rules(), p.allowlists(), p.emrServerless(), p.glue(), p.fallback(),
                p.triggers(), p.tables(), streams, p.clustersByCost());
    }

    /**
     * Invokes the stream's runtime function with the event (synchronously, as a mapping does), prints its answer and
     * the batch's job; 0 when the batch succeeded, 1 when the answer names failed records.
     */
    static int invoke(EmbeddedStack stack, Policies policies, StreamBinding binding, String json, PrintStream out) {
        int memory = policies.streams().stream().filter(s -> s.binding().name().equals(binding.name())).findFirst()
                .orElseThrow().binding().memoryMb();
        String function = EmbeddedStack.RUNTIME_FUNCTION.replace("{memoryMb}", String.valueOf(memory));
        LocalLambdaService lambda = stack.lambdaService().orElseThrow(() -> new SoalException(
                "the stream batch needs the local Lambda service, which this stack does not run", false));
        out.println("stream " + binding.name() + ": invoking " + function + " with the " + binding.source() + " event ("
                + json.length() / 1024 + " KB), as the event source mapping would");
        java.time.Instant started = java.time.Instant.now();
        LocalLambdaService.Result result;
        try {
            result = lambda.invoke(function, json, false).result().get(20, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SoalException("interrupted while the batch ran", e, false);
        } catch (ExecutionException | TimeoutException e) {
            throw new SoalException("the invocation did not answer: " + e.getMessage(), e, false);
        }
        dev.soal.core.JobStore store = new dev.soal.adapters.s3.S3JobStore(stack.s3(),
                dev.soal.core.S3Uri.parse("s3://" + EmbeddedStack.JOBS + "/"));
        // the batch's job, if this invocation ran one (a batch done before runs nothing, and the runtime says so)
        Optional<JobRecord> job = store.list(null, 20, null).jobs().stream()
                .filter(j -> binding.name().equals(j.request().tags().get("stream")) && !j.updatedAt().isBefore(started))
                .findFirst();
        job.ifPresent(j -> {
            out.println("job " + j.id() + ": " + j.state() + " - " + j.message());
            j.decision().reasons().forEach(r -> out.println("  - " + r));
        });
        if (result.failed()) {
            out.println("the function failed (" + result.functionError() + "): " + result.payload());
            return 1;
        }
        out.println("answer: " + result.payload());
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = Json.read(result.payload(), Map.class);
        return answer.get("batchItemFailures") instanceof List<?> l && !l.isEmpty() ? 1 : 0;
    }
}

package dev.soal.router.triggers;

import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.S3Uri;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.EmbeddedS3Fixture;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.router.RecordingBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The S3 trigger on event fixtures shaped as S3 sends them, with a real S3 job store. */
class S3TriggerHandlerTest {
    private static EmbeddedS3Fixture s3;
    private static InputMeasurer measurer;
    private RecordingBackend lambda;
    private S3TriggerHandler handler;
    private JobService jobs;

    @BeforeAll
    static void start() throws Exception {
        s3 = new EmbeddedS3Fixture("soal-jobs", "soal-data", "soal-scripts", "soal-output", "other-bucket");
        s3.put("soal-data", "incoming/listings/New York (Nov).csv", "id,name\n1,a\n");
        s3.put("soal-scripts", "neighbourhood_stats.sql", "SELECT 1");
        s3.put("soal-data", "incoming/listings/börse 2.csv", "id,name\n2,b\n");
        s3.put("other-bucket", "incoming/listings/x.csv", "id\n1\n");
        measurer = new InputMeasurer(s3.s3, 4, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        measurer.close();
        s3.close();
    }

    @BeforeEach
    void wire() {
        lambda = new RecordingBackend(Backend.LAMBDA);
        Policies policies = PolicyLoader.defaults();
        jobs = new JobService(new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/t" + System.nanoTime() + "/")), measurer,
                new RoutingPolicy(policies, Set.of(Backend.LAMBDA)), Map.of(Backend.LAMBDA, lambda),
                S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC());
        handler = new S3TriggerHandler(jobs, policies);
    }

    static String fixture(String name) throws Exception {
        return new String(S3TriggerHandlerTest.class.getResourceAsStream("/events/" + name).readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void everyRecord_decodedKey_becomesAJob_runningTheTriggersScript() throws Exception {
        List<S3TriggerHandler.Outcome> out = handler.handle(fixture("s3-object-created.json"));

        assertThat(out).extracting(S3TriggerHandler.Outcome::result).containsExactly("submitted", "submitted", "skipped");
        assertThat(out.get(0).object()).isEqualTo("s3://soal-data/incoming/listings/New York (Nov).csv");
        assertThat(out.get(1).object()).isEqualTo("s3://soal-data/incoming/listings/börse 2.csv");
        assertThat(out.get(2).detail()).isEqualTo("no trigger in the policies matches s3://soal-data/elsewhere/notes.txt");
        JobRecord job = jobs.get(out.get(0).jobId());
        assertThat(job.request().scriptUri()).isEqualTo("s3://soal-scripts/neighbourhood_stats.sql");
        assertThat(job.request().inputUris()).containsExactly("s3://soal-data/incoming/listings/New York (Nov).csv");
        assertThat(job.request().tags()).containsEntry("trigger", "listings-drop").containsEntry("source", "s3-trigger");
        assertThat(job.request().idempotencyKey())
                .isEqualTo("s3:soal-data/incoming/listings/New York (Nov).csv@096fKKXTRTtl3on89fVO.nfljtsv6qko");
        assertThat(job.request().eventJson()).contains("\"eventName\":\"ObjectCreated:Put\"");
        assertThat(lambda.submitted).hasSize(2);
    }

    @Test
    void duplicateDelivery_yieldsTheExistingJob_notANewOne() throws Exception {
        List<S3TriggerHandler.Outcome> first = handler.handle(fixture("s3-object-created.json"));
        List<S3TriggerHandler.Outcome> again = handler.handle(fixture("s3-object-created.json"));

        assertThat(again).extracting(S3TriggerHandler.Outcome::result).containsExactly("duplicate", "duplicate", "skipped");
        assertThat(again.get(0).jobId()).isEqualTo(first.get(0).jobId());
        assertThat(again.get(1).jobId()).isEqualTo(first.get(1).jobId());
        assertThat(lambda.submitted).hasSize(2);
        assertThat(jobs.list(null, 100)).hasSize(2);
    }

    @Test
    void removedObjects_andForeignBuckets_areSkipped_withTheReason() throws Exception {
        assertThat(handler.handle(fixture("s3-object-removed.json"))).singleElement()
                .satisfies(o -> assertThat(o.detail()).isEqualTo("event ObjectRemoved:Delete is not ObjectCreated"));
        Policies d = PolicyLoader.defaults();
        Policies withForeign = new Policies(d.lambda(), d.clusterOrder(), d.rules(), d.allowlists(), d.emrServerless(),
                d.glue(), d.fallback(), List.of(new Policies.Trigger("foreign", "other-bucket", "incoming/", "",
                "s3://soal-scripts/neighbourhood_stats.sql", null, null, null)));
        String foreign = S3EventNotifications.objectCreated("us-east-1", "other-bucket", "incoming/listings/x.csv", 3, "e", "Put");
        assertThat(new S3TriggerHandler(jobs, withForeign).handle(foreign)).singleElement().satisfies(o -> {
            assertThat(o.result()).isEqualTo("skipped");
            assertThat(o.detail()).contains("not in allowlists.inputBuckets");
        });
        assertThat(lambda.submitted).isEmpty();
    }

    @Test
    void keysAreEncodedAsS3EncodesThem() {
        assertThat(S3EventNotifications.encodeKey("incoming/listings/New York (Nov).csv"))
                .isEqualTo("incoming/listings/New+York+%28Nov%29.csv");
    }

    @Test
    void malformedEvents_areErrors_andSubmitNothing() {
        assertThatThrownBy(() -> handler.handle("{\"Records\": [")).hasMessageStartingWith("not an S3 event: the JSON does not parse");
        assertThatThrownBy(() -> handler.handle("{\"records\": []}")).hasMessage("not an S3 event: no Records array");
        assertThat(handler.handle("{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{}}]}"))
                .singleElement().satisfies(o -> assertThat(o.result()).isEqualTo("skipped"));
        assertThat(lambda.submitted).isEmpty();
    }
}

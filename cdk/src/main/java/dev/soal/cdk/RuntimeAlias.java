package dev.soal.cdk;

import dev.soal.policies.Policies;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.sqs.Queue;
import software.constructs.Construct;

/**
 * The alias the router invokes a runtime function by ({@value #NAME}): Lambda keeps provisioned environments for an
 * alias or a version only, never for {@code $LATEST}. A tier's {@code provisioned} environments are its provisioned
 * concurrency; an asynchronous invocation of an alias follows the alias's own settings, so the alias carries the
 * function's: no retries, the maximum event age, and the failure queue.
 */
final class RuntimeAlias {
    /** The alias's name, which the router is given as {@code SOAL_RUNTIME_ALIAS}. */
    static final String NAME = "live";

    private RuntimeAlias() {
    }

    static Alias of(Construct scope, Function runtime, Policies.MemoryTier tier, Queue failures, int maxEventAgeSeconds) {
        Alias.Builder b = Alias.Builder.create(scope, "Runtime" + tier.memoryMb() + "Live")
                .aliasName(NAME)
                .version(runtime.getCurrentVersion())
                .description("the version the router invokes" + (tier.provisioned() > 0
                        ? ", " + tier.provisioned() + " environment(s) kept ready and primed" : ""))
                .retryAttempts(0)
                .maxEventAge(Duration.seconds(maxEventAgeSeconds))
                .onFailure(new SqsDestination(failures));
        if (tier.provisioned() > 0) {
            b.provisionedConcurrentExecutions(tier.provisioned());
        }
        return b.build();
    }
}

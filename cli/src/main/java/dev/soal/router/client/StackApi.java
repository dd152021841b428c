package dev.soal.router.client;

import dev.soal.adapters.aws.AwsClients;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;

import java.net.URI;
import java.util.List;

/**
 * What a deployed stack tells in its CloudFormation outputs: its jobs API's URL ({@value #OUTPUT}) and the others
 * {@code SoalStack} writes.
 */
public final class StackApi {
    /** The output the stack gives its API's URL in ({@code SoalStack}). */
    public static final String OUTPUT = "JobsApiUrl";

    private StackApi() {
    }

    /** The URL of {@code stackName}'s jobs API, asked of CloudFormation with {@code clients}' region and credentials. */
    public static URI url(AwsClients clients, String stackName) {
        return URI.create(output(clients, stackName, OUTPUT));
    }

    /** The value of {@code stackName}'s output {@code key}. */
    public static String output(AwsClients clients, String stackName, String key) {
        try (CloudFormationClient cfn = clients.configure(CloudFormationClient.builder()).build()) {
            List<Stack> stacks = cfn.describeStacks(r -> r.stackName(stackName)).stacks();
            if (stacks.isEmpty()) {
                throw new IllegalArgumentException("no stack named '" + stackName + "' in " + clients.region());
            }
            return stacks.get(0).outputs().stream().filter(o -> key.equals(o.outputKey())).map(Output::outputValue)
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("stack '" + stackName + "' has no output " + key
                            + " (outputs: " + stacks.get(0).outputs().stream().map(Output::outputKey).toList()
                            + "); is it a SoAL stack?"));
        } catch (CloudFormationException e) {
            throw new IllegalArgumentException("stack '" + stackName + "' in " + clients.region() + ": "
                    + e.awsErrorDetails().errorMessage(), e);
        }
    }
}

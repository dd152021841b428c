package dev.soal.router.cli;

import dev.soal.cdk.SoalApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code soal synth}: the AWS stack's CloudFormation template, offline (no AWS account, no Docker):
 * {@code cdk/cdk.json} runs it for the aws-cdk CLI, which passes {@code CDK_OUTDIR} and its context.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write the AWS stack's CloudFormation template (and its asset manifest), offline.")
final class SynthCommand implements Callable<Integer> {
    @Option(names = "--out", description = "Output folder (default: $CDK_OUTDIR when the aws-cdk CLI runs this, else cdk.out).")
    Path out;

    @Option(names = "--policy", description = "The policies YAML the stack is made from and the router loads (default: the built-in policies).")
    Path policy;

    @Option(names = "--prefix", description = "Names of functions, job and application start with it (default: soal).")
    String prefix;

    @Option(names = "--jobs-bucket", description = "The job store's bucket (default: soal-jobs); the policies name the others.")
    String jobsBucket;

    @Override
    public Integer call() {
        Path dir = out != null ? out : Path.of(System.getenv().getOrDefault("CDK_OUTDIR", "cdk.out"));
        Map<String, String> context = new LinkedHashMap<>();
        if (prefix != null) {
            context.put("soal:prefix", prefix);
        }
        if (jobsBucket != null) {
            context.put("soal:jobsBucket", jobsBucket);
        }
        try {
            Path template = SoalApp.synth(EmbeddedOptions.root(), dir, policy, context);
            System.err.println("wrote " + template.toAbsolutePath().normalize());
            if (policy == null && System.getenv("CDK_CONTEXT_JSON") == null) {
                System.err.println("note: the buckets are the example policies' names (soal-scripts, soal-data, soal-output, soal-jobs); "
                        + "bucket names are global, so before deploying give yours with --policy and --jobs-bucket (README: Deploy to AWS)");
            }
            return 0;
        } catch (IllegalArgumentException | IllegalStateException | dev.soal.core.SoalException e) {
            System.err.println("soal synth: " + e.getMessage());
            return 2;
        }
    }
}

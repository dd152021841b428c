package dev.soal.cdk;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CDK app: one {@link SoalStack}. {@code ./soal synth} calls {@link #synth}; the aws-cdk CLI runs it
 * through {@code cdk/cdk.json} (which calls {@code ./soal synth}), passing its output folder as
 * {@code CDK_OUTDIR} and its context as {@code CDK_CONTEXT_JSON}: {@code soal:policy} (a policies file),
 * {@code soal:prefix}, {@code soal:jobsBucket}, {@code soal:jobRetentionDays}.
 */
public final class SoalApp {
    public static final String STACK_NAME = "SoAL";

    private SoalApp() {
    }

    /**
     * Writes the cloud assembly (the CloudFormation template and the asset manifest) to {@code outDir}
     * and answers the template's path. Assets are not copied into it: they are built and uploaded from the
     * checkout by {@code cdk deploy}.
     */
    public static Path synth(Path root, Path outDir, Path policyFile, Map<String, String> context) {
        if (policyFile != null) {
            dev.soal.policies.PolicyLoader.load(policyFile); // a bad file is named before anything starts
        }
        if (!nodeAvailable()) {
            throw new IllegalStateException("synthesizing the stack needs Node.js 18 or newer on the PATH "
                    + "(CDK's Java bindings run on it): install Node.js, then run this again");
        }
        Map<String, Object> ctx = new LinkedHashMap<>(context);
        ctx.put("aws:cdk:disable-asset-staging", true);
        App app = new App(AppProps.builder().outdir(outDir.toAbsolutePath().toString()).context(ctx).build());
        Object fromContext = app.getNode().tryGetContext("soal:policy");
        Path policy = policyFile != null ? policyFile : fromContext == null ? null : Path.of(fromContext.toString());
        SoalStackConfig config = SoalStackConfig.of(root, policy, strings(app)).requireBuilt();
        String account = System.getenv("CDK_DEFAULT_ACCOUNT");
        String region = System.getenv("CDK_DEFAULT_REGION");
        StackProps.Builder props = StackProps.builder().stackName(STACK_NAME)
                .description("SoAL: a size-aware router for Spark jobs (Lambda, EMR Serverless, Glue)");
        if (account != null && region != null) {
            props.env(Environment.builder().account(account).region(region).build());
        }
        new SoalStack(app, STACK_NAME, props.build(), config);
        app.synth();
        return outDir.resolve(STACK_NAME + ".template.json");
    }

    /**
     * Whether the stack's tests must run here, so a missing Node.js fails them instead of skipping them: in CI
     * (the {@code CI} variable every CI service sets, and {@code .ci/run} too). A developer's machine with only a
     * JDK and Maven skips them.
     */
    public static boolean nodeRequired() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    /** Whether {@code node} runs here: CDK's Java bindings (jsii) start it for every synth. */
    public static boolean nodeAvailable() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Map<String, String> strings(App app) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : new String[]{"soal:prefix", "soal:jobsBucket", "soal:jobRetentionDays"}) {
            Object v = app.getNode().tryGetContext(key);
            if (v != null) {
                out.put(key, v.toString());
            }
        }
        return out;
    }
}

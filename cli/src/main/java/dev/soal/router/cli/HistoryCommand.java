package dev.soal.router.cli;

import dev.soal.adapters.aws.AwsClients;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.core.SparkEventLogs;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.client.StackApi;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.embedded.HistoryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code soal history}: Spark's History Server on 127.0.0.1 over the prefix every path writes its event logs to
 * ({@link SparkEventLogs}): the embedded default's (its S3 server over the home's buckets, whether or not
 * {@code soal serve} runs), or a deployed stack's ({@code --stack NAME}, or {@code --dir s3://...}) with the AWS
 * default credentials.
 */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Serve Spark's History Server on 127.0.0.1 over every path's event logs (the embedded default's, or --stack NAME's).")
final class HistoryCommand implements Callable<Integer> {
    @Mixin
    EmbeddedOptions embedded = new EmbeddedOptions();

    @Option(names = "--stack", description = "A deployed SoAL stack's name: its SparkEventLogs output is the directory.")
    String stack;

    @Option(names = "--dir", description = "The event log directory in AWS (s3://bucket/prefix/), instead of --stack.")
    String dir;

    @Option(names = "--region", description = "The AWS region (default: the AWS default chain).")
    String region;

    @Option(names = "--port", defaultValue = "" + HistoryServer.DEFAULT_PORT,
            description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}, which the console's links use; 0 for any).")
    int port;

    @Override
    public Integer call() throws Exception {
        if (stack != null && dir != null) {
            System.err.println("soal history: name the directory with --stack NAME or --dir s3://..., not both");
            return 2;
        }
        EmbeddedS3 s3Server = null;
        String logDir;
        Map<String, String> hadoop = new LinkedHashMap<>();
        Path home = embedded.stackHome();
        try {
            if (stack != null || dir != null) {
                String r = region != null ? region : new DefaultAwsRegionProviderChain().getRegion().id();
                String at = dir != null ? dir : StackApi.output(AwsClients.forRegion(r), stack, dev.soal.cdk.SoalStack.SPARK_EVENT_LOGS_OUTPUT);
                logDir = SparkEventLogs.s3a(at);
                hadoop.put("spark.hadoop.fs.s3a.endpoint.region", r);
                // S3A's own chain lacks the shared profiles; the SDK's default chain has them
                hadoop.put("spark.hadoop.fs.s3a.aws.credentials.provider", "com.amazonaws.auth.DefaultAWSCredentialsProviderChain");
            } else {
                if (!Files.isDirectory(home.resolve("s3"))) {
                    System.err.println("soal history: nothing has run on the embedded default in " + home
                            + " yet (its buckets are made by soal run or soal serve)");
                    return 1;
                }
                // a server of its own over the home's buckets: it reads what soal serve or soal run writes there
                s3Server = EmbeddedS3.start(home.resolve("s3"));
                String at = SparkEventLogs.in(EmbeddedStack.OUTPUT);
                try (S3Client s3 = S3Clients.create(s3Server.settings())) {
                    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(EmbeddedStack.OUTPUT))) {
                        s3.createBucket(r -> r.bucket(EmbeddedStack.OUTPUT));
                    }
                    EmbeddedStack.ensureEventLogDirectory(s3);
                }
                logDir = SparkEventLogs.s3a(at);
                hadoop.putAll(s3Server.settings().sparkS3a());
            }
        } catch (IllegalArgumentException | software.amazon.awssdk.core.exception.SdkException e) {
            System.err.println("soal history: " + e.getMessage());
            if (s3Server != null) {
                s3Server.close();
            }
            return 2;
        }
        HistoryServer history;
        Path log = home.resolve("work").resolve("history").resolve("history-server.log");
        try {
            history = HistoryServer.start(embedded.artifacts(), logDir, hadoop, port, log);
        } catch (IllegalStateException e) {
            System.err.println("soal history: " + e.getMessage());
            if (s3Server != null) {
                s3Server.close();
            }
            return 1;
        }
        EmbeddedS3 started = s3Server;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            history.close();
            if (started != null) {
                started.close();
            }
            stop.countDown();
        }));
        System.out.println("soal history: " + history.uri() + " (Spark's History Server over " + logDir + ")");
        System.out.println("  applications: " + history.uri() + "api/v1/applications; its log: " + log + "; Ctrl-C stops it");
        stop.await();
        return 0;
    }

}

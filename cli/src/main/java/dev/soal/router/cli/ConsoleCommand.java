package dev.soal.router.cli;

import dev.soal.router.client.JobsApiClient;
import dev.soal.router.serve.ConsoleProxy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code soal console --stack NAME} (or {@code --api URL}): the jobs console on loopback for a deployed stack or
 * another {@code soal serve}, its API calls signed with the user's AWS credentials ({@link ConsoleProxy}).
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Serve the jobs console on 127.0.0.1 for a deployed stack (--stack NAME) or an API (--api URL), signing its calls.")
final class ConsoleCommand implements Callable<Integer> {
    @Mixin
    ApiOptions api = new ApiOptions();

    @Option(names = "--port", defaultValue = "8643", description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 for any).")
    int port;

    @Override
    public Integer call() throws Exception {
        JobsApiClient client;
        try {
            client = api.client();
        } catch (IllegalArgumentException | IllegalStateException | software.amazon.awssdk.core.exception.SdkException e) {
            System.err.println("soal console: " + e.getMessage());
            return 2;
        }
        ConsoleProxy proxy;
        try {
            proxy = ConsoleProxy.start(client, port, api.deployed());
        } catch (java.io.IOException e) {
            System.err.println("soal console: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
            return 2;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stop.countDown();
        }));
        System.out.println("soal console: " + proxy.consoleUri());
        System.out.println("  its API calls go to " + (api.stack != null ? "stack " + api.stack + "'s API" : client.base())
                + ", signed as you; Ctrl-C stops it");
        stop.await();
        return 0;
    }
}

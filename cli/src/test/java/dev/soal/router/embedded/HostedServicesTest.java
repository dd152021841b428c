package dev.soal.router.embedded;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.EmbeddedS3Fixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a hosting stack shares with the stacks that join its S3, and the clear errors when there is nothing to join. */
class HostedServicesTest {
    private static EmbeddedS3Fixture s3;
    private static final URI AT = URI.create("http://127.0.0.1:1");

    @BeforeAll
    static void start() throws Exception {
        s3 = new EmbeddedS3Fixture(EmbeddedStack.JOBS);
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @BeforeEach
    void nothingPublished() {
        HostedServices.withdraw(s3.s3);
    }

    @Test
    void published_isReadBack_andGoneOnceWithdrawn() {
        HostedServices hosted = new HostedServices(URI.create("http://127.0.0.1:4321"), List.of("soal-runtime-2048"),
                "jdbc:h2:tcp://127.0.0.1:9092/soal", "s3://soal-data/warehouse/");
        hosted.publish(s3.s3);
        assertThat(HostedServices.read(s3.s3)).contains(hosted);
        assertThat(hosted.tables().catalog()).isEqualTo("jdbc:h2:tcp://127.0.0.1:9092/soal");
        HostedServices.withdraw(s3.s3);
        assertThat(HostedServices.read(s3.s3)).isEmpty();
    }

    @Test
    void aHostWithoutACatalog_givesNoneToItsJoiners() {
        assertThat(new HostedServices(AT, List.of(), null, null).tables().catalog()).isNull();
    }

    @Test
    void joiningAStackThatHostsNothing_saysWhyAndWhatToDo() {
        assertThatThrownBy(() -> HostedServices.join(s3.s3, AT, List.of("soal-runtime-2048")))
                .hasMessageContaining("the stack at " + AT + " runs no local Lambda service")
                .hasMessageContaining("--simulate-runs");
    }

    @Test
    void joiningWithAMemoryTierTheHostLacks_namesIt() throws Exception {
        try (ServerSocket listening = new ServerSocket(0)) {
            new HostedServices(URI.create("http://127.0.0.1:" + listening.getLocalPort()), List.of("soal-runtime-2048"), null, null)
                    .publish(s3.s3);
            assertThatThrownBy(() -> HostedServices.join(s3.s3, AT, List.of("soal-runtime-2048", "soal-runtime-4096")))
                    .hasMessageContaining("no function soal-runtime-4096 (it has soal-runtime-2048)");
            assertThat(HostedServices.join(s3.s3, AT, List.of("soal-runtime-2048")).lambdaEndpoint().getPort())
                    .isEqualTo(listening.getLocalPort());
        }
    }

    @Test
    void aServiceThatDoesNotAnswer_isNotJoined() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        new HostedServices(URI.create("http://127.0.0.1:" + closed), List.of("soal-runtime-2048"), null, null).publish(s3.s3);
        assertThatThrownBy(() -> HostedServices.join(s3.s3, AT, List.of("soal-runtime-2048")))
                .hasMessageContaining("(http://127.0.0.1:" + closed + ") does not answer");
    }

    @Test
    void aServingHost_publishesItsServiceAndCatalog_andWithdrawsOnlyWhatIsStillItsOwn() throws Exception {
        Path home = Files.createTempDirectory("soal-hosted");
        HostedServices later = new HostedServices(AT, List.of("soal-runtime-2048"), null, null);
        try (EmbeddedStack host = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(Path.of("..")), PolicyLoader.defaults(),
                line -> { }, EmbeddedStack.Options.serving(null, null))) {
            HostedServices published = HostedServices.read(host.s3()).orElseThrow();
            assertThat(published.lambdaEndpoint()).isEqualTo(host.lambdaService().orElseThrow().endpoint());
            assertThat(published.functions()).containsExactlyElementsOf(PolicyLoader.defaults().lambda().memory().stream()
                    .map(t -> "soal-runtime-" + t.memoryMb()).toList());
            assertThat(published.tables()).isEqualTo(host.tables());
            later.publish(host.s3()); // a later host of this home took over
            host.close();
            try (EmbeddedStack again = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(Path.of("..")),
                    PolicyLoader.defaults(), line -> { }, new EmbeddedStack.Options(null, Duration.ofMillis(10)))) {
                assertThat(HostedServices.read(again.s3())).as("not withdrawn: not the closing host's").contains(later);
            }
        }
    }

    @Test
    void aStackNobodyJoins_likeSoalRun_publishesNothing() throws Exception {
        try (EmbeddedStack run = EmbeddedStack.start(Files.createTempDirectory("soal-run"), RuntimeArtifacts.inCheckout(Path.of("..")),
                PolicyLoader.defaults(), line -> { })) {
            assertThat(run.lambdaService()).isPresent();
            assertThat(HostedServices.read(run.s3())).isEmpty();
        }
    }

    @Test
    void aHostThatSimulatesRuns_withdrawsWhatAnEarlierHostInItsHomeLeft_andAJoinerIsToldSo() throws Exception {
        Path home = Files.createTempDirectory("soal-hosted");
        RuntimeArtifacts artifacts = RuntimeArtifacts.inCheckout(Path.of(".."));
        EmbeddedStack.Options simulated = EmbeddedStack.Options.serving(null, Duration.ofMillis(10));
        try (EmbeddedStack earlier = EmbeddedStack.start(home, artifacts, PolicyLoader.defaults(), line -> { }, simulated)) {
            new HostedServices(AT, List.of("soal-runtime-2048"), null, null).publish(earlier.s3()); // as if killed while hosting
        }
        try (EmbeddedStack host = EmbeddedStack.start(home, artifacts, PolicyLoader.defaults(), line -> { }, simulated)) {
            assertThat(HostedServices.read(host.s3())).isEmpty();
            URI endpoint = host.s3Settings().endpoint();
            assertThatThrownBy(() -> EmbeddedStack.start(Files.createTempDirectory("soal-joiner"), artifacts,
                    PolicyLoader.defaults(), line -> { }, new EmbeddedStack.Options(endpoint, null)))
                    .hasMessageContaining("runs no local Lambda service to share");
        }
    }
}

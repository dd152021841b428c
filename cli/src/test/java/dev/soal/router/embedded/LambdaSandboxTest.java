package dev.soal.router.embedded;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox's command line: what bubblewrap is asked for, and what stays visible. */
class LambdaSandboxTest {
    private static final List<String> JAVA = List.of("/usr/bin/java", "-version");

    @Test
    void bubblewrap_readOnlyRoot_privateTmp_limits_andTheCodeUnderTmpStaysVisible() {
        List<String> cmd = new LambdaSandbox(true, true).wrap(JAVA, Path.of("/work/env/tmp"), Path.of("/work/env/task"),
                List.of(Path.of("/tmp/checkout/lambda-runtime/target"), Path.of("/opt/soal/target")));

        assertThat(String.join(" ", cmd)).startsWith(LambdaSandbox.BWRAP + " --ro-bind / / ")
                .contains("--bind /work/env/tmp /tmp --ro-bind /tmp/checkout/lambda-runtime/target /tmp/checkout/lambda-runtime/target ")
                .doesNotContain("/opt/soal/target")
                .contains("--unshare-user").contains("--die-with-parent")
                .contains(LambdaSandbox.PRLIMIT + " --nofile=1024:1024 --nproc=1024:1024 -- /usr/bin/java -version");
        // the code is re-exposed after /tmp is replaced, or the replacement would hide it
        assertThat(cmd.indexOf("/tmp/checkout/lambda-runtime/target")).isGreaterThan(cmd.indexOf("/work/env/tmp"));
        assertThat(new LambdaSandbox(true, true).tmpInside(Path.of("/work/env/tmp"))).isEqualTo("/tmp");
    }

    @Test
    void withoutBubblewrap_onlyTheLimits_andTheHostTmpFolder() {
        List<String> cmd = new LambdaSandbox(false, true).wrap(JAVA, Path.of("/work/env/tmp"), Path.of("/work/env/task"), List.of());
        assertThat(cmd.get(0)).isEqualTo(LambdaSandbox.PRLIMIT);
        assertThat(cmd.subList(cmd.size() - 2, cmd.size())).isEqualTo(JAVA);
        assertThat(new LambdaSandbox(false, true).tmpInside(Path.of("/work/env/tmp"))).isEqualTo("/work/env/tmp");
        assertThat(LambdaSandbox.none().wrap(JAVA, Path.of("/t"), Path.of("/k"), List.of())).isEqualTo(JAVA);
    }
}

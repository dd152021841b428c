package dev.soal.router.cli;

import dev.soal.router.embedded.LocalEnvironments;
import dev.soal.router.embedded.UpStack;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code soal status}: whether a stack is up in the home ({@code soal up}), where it answers, and its environments. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Say whether the embedded stack is up in the background (soal up), where it answers, and its Lambda environments."
                + " Exit code 0 when it is up, 1 when not.")
final class StatusCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    EmbeddedOptions embedded = new EmbeddedOptions();

    @Override
    public Integer call() {
        Path home = embedded.absoluteHome();
        Optional<UpStack> up = upOrForget(home, System.out);
        if (up.isEmpty()) {
            System.out.println("nothing is up in " + home + " ('soal up' starts the embedded stack in the background)");
            return 1;
        }
        describe(up.get(), home, System.out);
        return 0;
    }

    /** The home's stack that is up; a record whose process is gone is removed, and said so. */
    static Optional<UpStack> upOrForget(Path home, PrintStream out) {
        Optional<UpStack> recorded = UpStack.read(home);
        if (recorded.isPresent() && !recorded.get().alive(home)) {
            UpStack.removeAny(home);
            out.println("the stack recorded in " + UpStack.file(home) + " (pid " + recorded.get().pid()
                    + ") is gone; its record is removed (its log: " + recorded.get().log() + ")");
            return Optional.empty();
        }
        return recorded;
    }

    /** Where it answers, and its environments as its local Lambda service lists them. */
    static void describe(UpStack up, Path home, PrintStream out) {
        out.println("up in " + home + " since " + up.startedAt() + " (pid " + up.pid() + "); 'soal down' stops it");
        out.println("  jobs API: " + up.api() + "/jobs   (token " + up.token() + "; soal jobs takes it as SOAL_TOKEN)");
        out.println("  console:  " + up.console());
        out.println("  S3:       " + up.s3());
        out.println("  policies: " + (up.policy() == null ? "the built-in policies/policies.yaml" : up.policy()));
        out.println("  log:      " + up.log());
        if (up.lambda() == null) {
            out.println("  Lambda:   none (it simulates runs)");
            return;
        }
        List<LocalEnvironments.Environment> envs;
        try {
            envs = LocalEnvironments.fetch(up.lambda());
        } catch (IOException e) {
            out.println("  Lambda:   " + up.lambda() + " does not answer: " + e.getMessage());
            return;
        }
        out.println("  Lambda:   " + up.lambda() + ", " + (envs.isEmpty() ? "no environment yet (the first job starts one)"
                : envs.size() + " environment" + (envs.size() == 1 ? "" : "s")));
        for (LocalEnvironments.Environment e : envs) {
            out.println("    " + e.id() + " of " + e.function() + ": " + e.state() + (e.provisioned() ? ", provisioned" : "")
                    + ", " + e.invocations() + " invocation" + (e.invocations() == 1 ? "" : "s") + " (pid " + e.pid() + ")");
        }
    }
}

package dev.soal.router.embedded;

import dev.soal.policies.Policies;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code soal serve}'s provisioned environments: per memory tier the policies' {@code provisioned} count, started at
 * boot and primed in their INIT ({@code provisioned-concurrency}), one at a time so each INIT has this machine's cores,
 * in the background; it says when they are ready.
 */
public final class ProvisionedEnvironments {
    private ProvisionedEnvironments() {
    }

    /** One function and how many of its environments to keep ready. */
    public record Wanted(String function, int count, Duration initLimit) {
    }

    /** The wanted environments of {@code tiers}, whose functions are {@code functions} (in the same order). */
    public static List<Wanted> of(List<Policies.MemoryTier> tiers, List<String> functions, Duration timeout) {
        List<Wanted> out = new java.util.ArrayList<>();
        for (int i = 0; i < tiers.size(); i++) {
            if (tiers.get(i).provisioned() > 0) {
                out.add(new Wanted(functions.get(i), tiers.get(i).provisioned(), timeout));
            }
        }
        return out;
    }

    /** Starts them on a thread of their own; null when none are wanted. */
    public static Thread start(LocalLambdaService lambda, List<Wanted> wanted, Consumer<String> out) {
        int total = wanted.stream().mapToInt(Wanted::count).sum();
        if (total == 0) {
            return null;
        }
        Thread t = new Thread(() -> {
            int ready = 0;
            for (Wanted w : wanted) {
                for (int i = 0; i < w.count(); i++) {
                    Optional<String> id = lambda.provision(w.function());
                    if (id.isEmpty()) {
                        out.accept("provisioned environments: " + ready + " of " + total + " ready; the local Lambda service"
                                + " has no room for more (its concurrency)");
                        return;
                    }
                    if (!awaitIdle(lambda, id.get(), w.initLimit())) {
                        out.accept("provisioned environment " + id.get() + " of " + w.function() + " did not become ready;"
                                + " see its environment.log");
                        continue;
                    }
                    ready++;
                }
            }
            out.accept("provisioned environments ready: " + ready + " of " + total + ", primed");
        }, "soal-provision");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits for the environment's INIT to end: true once it is idle, false when it stopped or took too long. */
    static boolean awaitIdle(LocalLambdaService lambda, String id, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<LocalLambdaService.EnvironmentView> env = lambda.environments().stream().filter(e -> e.id().equals(id)).findFirst();
            if (env.isEmpty()) {
                return false;
            }
            if (!env.get().state().equals("INIT")) {
                return true;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}

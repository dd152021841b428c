package dev.soal.router.cli;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options every command on the embedded stack shares: the policies and where the stack lives. */
final class EmbeddedOptions {
    @Option(names = "--policy", description = "Policies YAML (default: the built-in policies/policies.yaml).")
    Path policy;

    @Option(names = "--home", description = "Where the embedded stack keeps its buckets and logs (default .soal, or $SOAL_HOME).")
    Path home;

    /** The policies file, or the built-in one; throws {@code PolicyException} naming the line and field. */
    Policies policies() {
        return policy == null ? PolicyLoader.defaults() : PolicyLoader.load(policy);
    }

    /** The policies, or null once it has said on standard error why they cannot be loaded ({@code soal <command>: file:line: ...}). */
    Policies policiesOrSay(String command) {
        try {
            return policies();
        } catch (dev.soal.policies.PolicyException e) {
            System.err.println("soal " + command + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * The policies for a command that joins {@code up} when it is present: those given, else the ones the stack that is
     * up was started with, else the built-in ones; null once it has said why they cannot be loaded.
     */
    Policies policiesOrSay(String command, java.util.Optional<dev.soal.router.embedded.UpStack> up) {
        if (policy == null && up.isPresent() && up.get().policy() != null) {
            try {
                return PolicyLoader.load(Path.of(up.get().policy()));
            } catch (dev.soal.policies.PolicyException e) {
                System.err.println("soal " + command + ": the policies of the stack that is up: " + e.getMessage());
                return null;
            }
        }
        return policiesOrSay(command);
    }

    /** The home, absolute: what a stack that is up records and its joiners compare. */
    Path absoluteHome() {
        return stackHome().toAbsolutePath().normalize();
    }

    /** The checkout the {@code ./soal} script runs from (its runner jar and SPARK_HOME). */
    static Path root() {
        return Path.of(System.getProperty("soal.home", "."));
    }

    RuntimeArtifacts artifacts() {
        return RuntimeArtifacts.inCheckout(root());
    }

    Path stackHome() {
        return home != null ? home : defaultHome();
    }

    /** {@code $SOAL_HOME}, else {@code .soal} in the checkout. */
    static Path defaultHome() {
        return Path.of(System.getenv().getOrDefault("SOAL_HOME", root().resolve(".soal").toString()));
    }
}

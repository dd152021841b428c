package dev.soal.router.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The runtime interface client's native library, given to each execution environment on its own.
 *
 * <p>Left to itself, the runtime interface client copies its JNI library to the fixed path
 * {@code /tmp/.libaws-lambda-jni.so} and loads it from there. In Lambda every environment has its own
 * {@code /tmp}; on one machine, environments that share the host's {@code /tmp} (no bubblewrap) overwrite
 * that file while another loads it, and the JVM aborts during INIT. So the service copies the library into
 * each environment's own {@code /tmp} and names it with the client's system property
 * ({@value #PROPERTY}), which makes the client load it from there.
 */
final class RicNativeLibrary {
    static final String PROPERTY = "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";
    static final String FILE_NAME = "libaws-lambda-jni.so";

    private final byte[] bytes;

    private RicNativeLibrary(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The library for this machine's architecture from the classpath's runtime interface client, if it has one. */
    static Optional<RicNativeLibrary> find(String classpath) {
        String entry = "jni/libaws-lambda-jni." + libc() + "-" + arch() + ".so";
        List<String> elements = new java.util.ArrayList<>();
        for (String element : classpath.split(File.pathSeparator)) {
            if (element.endsWith("/*") && Files.isDirectory(Path.of(element.substring(0, element.length() - 2)))) {
                try (var jars = Files.list(Path.of(element.substring(0, element.length() - 2)))) {
                    jars.map(Path::toString).filter(j -> j.endsWith(".jar")).sorted().forEach(elements::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + element, e);
                }
            } else {
                elements.add(element);
            }
        }
        for (String element : elements) {
            Path p = Path.of(element);
            try {
                if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(entry))) {
                    return Optional.of(new RicNativeLibrary(Files.readAllBytes(p.resolve(entry))));
                }
                if (Files.isRegularFile(p) && element.endsWith(".jar") && p.getFileName().toString().contains("runtime-interface-client")) {
                    try (ZipFile zip = new ZipFile(p.toFile())) {
                        ZipEntry e = zip.getEntry(entry);
                        if (e != null) {
                            try (InputStream in = zip.getInputStream(e)) {
                                return Optional.of(new RicNativeLibrary(in.readAllBytes()));
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the runtime interface client's native library from " + p, e);
            }
        }
        return Optional.empty();
    }

    /**
     * Writes the library into an environment's own temporary folder {@code hostTmp} and answers the JVM
     * option that points the client at it, as the environment sees it ({@code tmpInside}).
     */
    List<String> install(Path hostTmp, String tmpInside) throws IOException {
        Files.write(hostTmp.resolve(FILE_NAME), bytes);
        return List.of("-D" + PROPERTY + "=" + tmpInside + "/" + FILE_NAME);
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("aarch64") || a.equals("arm64") ? "aarch_64" : "x86_64";
    }

    private static String libc() {
        boolean musl = Files.exists(Path.of("/lib/ld-musl-x86_64.so.1")) || Files.exists(Path.of("/lib/ld-musl-aarch64.so.1"));
        return musl ? "linux_musl" : "linux";
    }
}

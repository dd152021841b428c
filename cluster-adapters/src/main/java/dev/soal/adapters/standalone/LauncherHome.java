package dev.soal.adapters.standalone;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.SoalException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What Spark's launcher ({@code SparkLauncher}) runs is {@code $SPARK_HOME/bin/spark-submit}; the runtime's
 * spark-home is made of Maven jars and has no {@code bin/}. This writes a {@code bin/spark-submit} that does what
 * Spark's own ({@code bin/spark-class}) does: asks {@code org.apache.spark.launcher.Main} for the driver's java
 * command (driver memory and options from the launcher's settings) and runs it, with the runtime's spark-home,
 * first writing its pid to {@code $SOAL_DRIVER_PID_FILE} when set.
 */
final class LauncherHome {
    private LauncherHome() {
    }

    /** {@code dir} with {@code bin/spark-submit} for {@code artifacts}' spark-home, written when missing or stale. */
    static Path in(Path dir, RuntimeArtifacts artifacts) {
        Path script = dir.resolve("bin").resolve("spark-submit");
        String text = script(artifacts.sparkHome());
        try {
            if (!Files.isRegularFile(script) || !Files.readString(script).equals(text)) {
                Files.createDirectories(script.getParent());
                Path tmp = Files.createTempFile(script.getParent(), "spark-submit", ".tmp");
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new SoalException("cannot write " + script + ": " + e.getMessage(), e, false);
        }
        return dir;
    }

    static String script(Path sparkHome) {
        return """
                #!/usr/bin/env bash
                # Written by SoAL for SparkLauncher: Spark's bin/spark-submit for a spark-home without bin/.
                export SPARK_HOME=%s
                export SPARK_CONF_DIR="${SPARK_CONF_DIR:-$SPARK_HOME/conf}"
                export SPARK_SCALA_VERSION=2.12
                JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
                # the launcher prints what it has to say, a NUL and a newline, then the command, NUL-separated
                CMD=()
                SAID=""
                while IFS= read -d '' -r ARG; do
                  if [ -z "$SAID" ]; then
                    SAID=yes
                    [ -n "$ARG" ] && printf '%%s\\n' "$ARG" >&2
                  else
                    CMD+=("$ARG")
                  fi
                done < <("$JAVA" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main \\
                  org.apache.spark.deploy.SparkSubmit "$@"; printf '%%d\\0' $?)
                [ "${#CMD[@]}" -gt 0 ] && CMD[0]="${CMD[0]#$'\\n'}"
                LAST=$((${#CMD[@]} - 1))
                if [ "$LAST" -lt 0 ] || [ "${CMD[$LAST]}" != 0 ]; then
                  echo "spark-submit: Spark's launcher could not build the command" >&2
                  exit 1
                fi
                # the driver is this process from here on: its pid tells whoever watches it when it is gone
                [ -n "$SOAL_DRIVER_PID_FILE" ] && echo $$ > "$SOAL_DRIVER_PID_FILE"
                exec "${CMD[@]:0:$LAST}"
                """.formatted(quoted(sparkHome.toAbsolutePath().toString()));
    }

    /** A shell word for {@code s}, whatever it holds. */
    static String quoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}

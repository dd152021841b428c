package dev.soal.runtime;

import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.TableSettings;
import dev.soal.core.S3Uri;
import dev.soal.core.StreamBinding;

import java.nio.file.Path;
import java.util.Map;

/**
 * The runtime's settings, read once from the environment.
 *
 * @param jobStore where jobs are reported ({@code SOAL_JOB_STORE}, e.g. {@code s3://my-soal-jobs/}); null: nowhere
 * @param memoryMb the function's memory ({@code AWS_LAMBDA_FUNCTION_MEMORY_SIZE}, set by Lambda)
 * @param tmp      the writable directory ({@code SOAL_TMP_DIR}, default {@code /tmp}, the only one Lambda allows)
 * @param tables   the {@code soal} Iceberg catalog ({@code SOAL_CATALOG}, {@code SOAL_WAREHOUSE})
 * @param streams  the streams whose batches this function runs ({@code SOAL_STREAMS}, see {@link StreamBinding})
 * @param eventLogDir where the session's Spark event log goes ({@code SOAL_EVENT_LOG_DIR}, an {@code s3://} prefix,
 *                 see {@link dev.soal.core.SparkEventLogs}); null: none
 */
public record RuntimeConfig(S3Uri jobStore, int memoryMb, Path tmp, S3Settings s3, TableSettings tables,
                            java.util.List<StreamBinding> streams, S3Uri eventLogDir) {
    public RuntimeConfig {
        streams = streams == null ? java.util.List.of() : java.util.List.copyOf(streams);
    }

    public RuntimeConfig(S3Uri jobStore, int memoryMb, Path tmp, S3Settings s3, TableSettings tables,
                         java.util.List<StreamBinding> streams) {
        this(jobStore, memoryMb, tmp, s3, tables, streams, null);
    }

    public static final String EVENT_LOG_ENV = "SOAL_EVENT_LOG_DIR";

    public RuntimeConfig(S3Uri jobStore, int memoryMb, Path tmp, S3Settings s3, TableSettings tables) {
        this(jobStore, memoryMb, tmp, s3, tables, java.util.List.of());
    }

    public static final String JOB_STORE_ENV = "SOAL_JOB_STORE";
    public static final String TMP_ENV = "SOAL_TMP_DIR";
    public static final String MEMORY_ENV = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
    public static final int DEFAULT_MEMORY_MB = 3008;

    public static RuntimeConfig fromEnvironment(Map<String, String> env) {
        String store = env.get(JOB_STORE_ENV);
        String memory = env.get(MEMORY_ENV);
        int mb;
        try {
            mb = memory == null ? DEFAULT_MEMORY_MB : Integer.parseInt(memory.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MEMORY_ENV + " must be a number of MB, but was '" + memory + "'");
        }
        return new RuntimeConfig(store == null || store.isBlank() ? null : S3Uri.parse(store), mb,
                Path.of(env.getOrDefault(TMP_ENV, "/tmp")), S3Settings.fromEnvironment(env), TableSettings.fromEnvironment(env),
                StreamBinding.fromEnvironment(env),
                env.get(EVENT_LOG_ENV) == null || env.get(EVENT_LOG_ENV).isBlank() ? null : S3Uri.parse(env.get(EVENT_LOG_ENV).trim()));
    }
}

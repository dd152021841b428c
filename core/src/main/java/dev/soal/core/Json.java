package dev.soal.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON mapping of SoAL's records (job store, payloads, API). Unknown fields are refused (a client's typo is an
 * error), but the records the store and the payloads keep ({@link JobRecord} and what it holds) are marked
 * {@code @JsonIgnoreProperties(ignoreUnknown = true)}: a record written by a newer router or runtime, with a field
 * added, still reads in an older one (a rollback, a run still on the previous runner jar).
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new SoalException("cannot write JSON for " + value.getClass().getSimpleName(), e, false);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new SoalException("cannot read " + type.getSimpleName() + " from JSON: "
                    + e.getOriginalMessage(), e, false);
        }
    }
}

package dev.soal.router;

import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Lambda events read and written as the runtime interface client does it (its serialization library), so a
 * test hands a function the same typed object Lambda would, from the event's wire JSON.
 */
public final class LambdaEvents {
    private LambdaEvents() {
    }

    public static <T> T read(String json, Class<T> type) {
        return serializer(type).fromJson(json);
    }

    @SuppressWarnings("unchecked")
    public static <T> String write(T value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        serializer((Class<T>) value.getClass()).toJson(value, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static <T> PojoSerializer<T> serializer(Class<T> type) {
        return LambdaEventSerializers.serializerFor(type, LambdaEvents.class.getClassLoader());
    }
}

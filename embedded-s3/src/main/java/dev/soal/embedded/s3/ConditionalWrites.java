package dev.soal.embedded.s3;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.shaded.org.eclipse.jetty.server.Request;
import org.gaul.shaded.org.eclipse.jetty.server.Server;
import org.gaul.shaded.org.eclipse.jetty.server.handler.HandlerWrapper;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Optional;

/**
 * Carries a write's {@code If-None-Match} and {@code If-Match} headers from S3Proxy's HTTP layer to
 * {@link EmbeddedBlobStore}, which enforces them atomically as S3 does (S3Proxy 2.4 ignores them on
 * PUT; 3.0 checks them, but as a read followed by a write that a concurrent writer can slip between).
 * The headers travel in a thread-local for the duration of one request: S3Proxy handles a request on
 * one thread, from the HTTP handler down to the blob store call.
 */
final class ConditionalWrites extends HandlerWrapper {
    /** The conditions of the write being handled on this thread. */
    record Condition(String ifMatch, String ifNoneMatch) {
    }

    private static final ThreadLocal<Condition> CURRENT = new ThreadLocal<>();

    static Optional<Condition> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Wraps the handler of a built, not yet started S3Proxy. */
    static void install(S3Proxy proxy) {
        try {
            Field f = S3Proxy.class.getDeclaredField("server");
            f.setAccessible(true);
            Server server = (Server) f.get(proxy);
            ConditionalWrites wrapper = new ConditionalWrites();
            wrapper.setHandler(server.getHandler());
            server.setHandler(wrapper);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("cannot install conditional writes into this S3Proxy version: " + e, e);
        }
    }

    @Override
    public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        String method = request.getMethod();
        String ifMatch = request.getHeader("If-Match");
        String ifNoneMatch = request.getHeader("If-None-Match");
        boolean write = "PUT".equals(method) || "POST".equals(method);
        if (!write || (ifMatch == null && ifNoneMatch == null) || request.getHeader("x-amz-copy-source") != null) {
            super.handle(target, base, request, response);
            return;
        }
        CURRENT.set(new Condition(ifMatch, ifNoneMatch));
        try {
            super.handle(target, base, request, response);
        } finally {
            CURRENT.remove();
        }
    }
}

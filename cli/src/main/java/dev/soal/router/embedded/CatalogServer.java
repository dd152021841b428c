package dev.soal.router.embedded;

import org.h2.tools.Server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The embedded default's Iceberg catalog database: an H2 server on loopback, its files in the stack's
 * home. Iceberg's JDBC catalog commits a table by a conditional update of its metadata pointer in one
 * transaction, so two processes committing to one table at once cannot both win: the loser retries or fails.
 * Every runtime (Lambda environments, the standalone cluster's drivers) reaches it over TCP.
 */
final class CatalogServer implements AutoCloseable {
    private final Server server;
    private final int port;

    private CatalogServer(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    static CatalogServer start(Path dir) {
        try {
            Files.createDirectories(dir);
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            // -ifNotExists: the catalog database is made on first use; the server listens on loopback only
            Server server = Server.createTcpServer("-tcpPort", String.valueOf(port), "-ifNotExists",
                    "-baseDir", dir.toAbsolutePath().toString()).start();
            return new CatalogServer(server, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the catalog database in " + dir, e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the catalog database in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The catalog's JDBC URL, as the runtimes connect to it. Names in lower case, as Iceberg's JDBC catalog
     * looks them up: with H2's upper-case default it finds no {@code iceberg_type} column, adds it again and fails.
     * A commit waits up to 60 s for another one's lock on the table's row (H2's default gives up after 2 s, and
     * the commit would fail with a lock timeout instead of retrying on the new metadata).
     */
    String jdbcUrl() {
        return "jdbc:h2:tcp://127.0.0.1:" + port + "/soal-catalog;DATABASE_TO_LOWER=TRUE;LOCK_TIMEOUT=60000";
    }

    @Override
    public void close() {
        server.stop();
    }
}

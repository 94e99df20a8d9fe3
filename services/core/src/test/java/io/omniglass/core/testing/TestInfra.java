package io.omniglass.core.testing;

import io.omniglass.core.runtime.DataDir;
import io.omniglass.core.runtime.Infrastructure;
import io.omniglass.core.runtime.NatsServerProcess;
import io.omniglass.core.runtime.OmniglassConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A Postgres and a nats-server owned by the test, standing in for "external" ones: several core
 * instances (in-process or {@link CoreProcess}) point at them through OMNIGLASS_PG_URL and
 * OMNIGLASS_NATS_URL, exactly as production cores share a server and a cluster.
 */
public final class TestInfra implements AutoCloseable {

    private final Path dir;
    private final Infrastructure infra;
    private final int natsPort;
    private volatile NatsServerProcess nats;

    private TestInfra(Path dir, Infrastructure infra, NatsServerProcess nats) {
        this.dir = dir;
        this.infra = infra;
        this.nats = nats;
        this.natsPort = nats.port();
    }

    public static TestInfra start() {
        try {
            Path dir = Files.createTempDirectory("og-test-infra-");
            // a stand-in for an external server, whose superuser password defaults to postgres
            // (OMNIGLASS_PG_PASSWORD): tests may connect with it. Authentication stays on
            // (scram-sha-256, no trust); the embedded default of TestCore and production generates one.
            io.omniglass.core.runtime.DataDir.writeOwnerOnly(dir.resolve("postgres.password"), "postgres\n");
            // the nats-server is the test's own (not the Infrastructure's) so a test can restart it
            NatsServerProcess nats = NatsServerProcess.start(natsStore(dir), Optional.empty());
            try {
                OmniglassConfig cfg = OmniglassConfig.load(Optional.empty(),
                        Map.of("OMNIGLASS_DATA_DIR", dir.toString(), "OMNIGLASS_NATS_URL", nats.url()));
                return new TestInfra(dir, Infrastructure.start(cfg, new DataDir(dir)), nats);
            } catch (RuntimeException e) {
                nats.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path natsStore(Path dir) {
        return dir.resolve("nats-test").resolve("jetstream");
    }

    /** Stops the nats-server with SIGTERM (a clean shutdown); {@link #startNats()} brings it back. */
    public synchronized void stopNats() {
        nats.close();
    }

    /** Starts the nats-server again on the same port with the same store, so clients reconnect to the same URL. */
    public synchronized void startNats() {
        try {
            nats = NatsServerProcess.start(natsStore(dir), Optional.empty(), natsPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Infrastructure infrastructure() {
        return infra;
    }

    /** The control database's JDBC URL with the superuser's credentials (the server admits no one without them). */
    public String pgUrl() {
        return infra.pg().jdbcUrl(infra.controlDatabase()) + "?user=" + infra.pg().user() + "&password="
                + java.net.URLEncoder.encode(infra.pg().password(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The nats-server's URL with the core's credentials in it (the server admits no anonymous client). */
    public String natsUrl() {
        return nats.url();
    }

    /** The same without credentials: what an anonymous local user would try. */
    public String anonymousNatsUrl() {
        return nats.publicUrl();
    }

    /** The environment that points a core at this infrastructure. */
    public Map<String, String> env() {
        return Map.of("OMNIGLASS_PG_URL", pgUrl(), "OMNIGLASS_NATS_URL", natsUrl());
    }

    @Override
    public void close() {
        infra.close();
        nats.close();
        TestFiles.deleteQuietly(dir);
    }
}

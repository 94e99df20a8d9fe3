package io.zonky.test.db.postgres.embedded;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.Map;

/**
 * zonky's EmbeddedPostgres whose own JVM shutdown hook does nothing: zonky stops Postgres from a
 * hook of its own, which runs at the same time as the core's orderly shutdown (sink commits, CDC
 * flush, telemetry) and pulls the database from under it. The core stops Postgres itself, last, via
 * {@link #stop()}; if the JVM dies without that, Omniglass's parent watchdog stops the postmaster.
 * (In zonky's package because its constructor is package-private.)
 */
public final class OwnedEmbeddedPostgres extends EmbeddedPostgres {

    private volatile boolean stopping;

    public OwnedEmbeddedPostgres(File dataDirectory, Map<String, String> serverConfig, int port,
                                 PgBinaryResolver binaries, Redirect errors, Redirect output, Duration startupWait,
                                 Map<String, String> initdbOptions, Map<String, String> connectConfig) throws IOException {
        // initdbOptions become --key=value options of initdb (after zonky's own, so they win);
        // connectConfig are the JDBC properties of zonky's readiness check (the superuser's password)
        super(null, dataDirectory, false, serverConfig, initdbOptions, port, connectConfig,
                binaries, errors, output, startupWait, null);
    }

    /** Stops Postgres (fast shutdown). */
    public void stop() throws IOException {
        stopping = true;
        super.close();
    }

    /** Ignored unless {@link #stop()} asked for it: see the class comment. */
    @Override
    public void close() throws IOException {
        if (stopping) {
            super.close();
        }
    }
}

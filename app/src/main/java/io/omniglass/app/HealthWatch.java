package io.omniglass.app;

import io.omniglass.api.OmniglassClient;
import io.omniglass.views.services.ConnectionState;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/** Polls /healthz every few seconds so the status bar tells the truth even when nothing is streaming. */
final class HealthWatch implements AutoCloseable {

    static final long PERIOD_MILLIS = 3000;

    private final OmniglassClient client;
    private final BiConsumer<ConnectionState, String> report;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "og-console-health");
        t.setDaemon(true);
        return t;
    });
    private ConnectionState last = ConnectionState.CONNECTED;

    HealthWatch(OmniglassClient client, BiConsumer<ConnectionState, String> report) {
        this.client = client;
        this.report = report;
    }

    HealthWatch start() {
        timer.scheduleWithFixedDelay(this::check, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    private void check() {
        boolean ok = client.healthy();
        ConnectionState now = ok ? ConnectionState.CONNECTED : ConnectionState.RECONNECTING;
        if (now != last) {
            last = now;
            report.accept(now, ok ? client.baseUri().toString() : "core not answering at " + client.baseUri() + "; retrying");
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

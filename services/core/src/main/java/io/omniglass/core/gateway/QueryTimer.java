package io.omniglass.core.gateway;

import io.micrometer.core.instrument.Timer;
import io.omniglass.core.telemetry.LatencyTelemetry;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;

import java.util.concurrent.TimeUnit;

/**
 * The query timing hook: every statement a gateway session runs is timed from execution start to
 * the end of its fetch (for a streamed cursor, until the cursor is closed) and recorded under the
 * session's (tenant, action) in the latency telemetry (requests; null for the core's own work) and
 * the Prometheus timer.
 */
final class QueryTimer implements ExecuteListener {

    private static final String START = "og.query.start";
    private final LatencyTelemetry telemetry;
    private final Timer timer;
    private final String tenant;
    private final String action;

    QueryTimer(LatencyTelemetry telemetry, Timer timer, String tenant, String action) {
        this.telemetry = telemetry;
        this.timer = timer;
        this.tenant = tenant;
        this.action = action;
    }

    @Override
    public void executeStart(ExecuteContext ctx) {
        ctx.data(START, System.nanoTime());
    }

    @Override
    public void end(ExecuteContext ctx) {
        Object start = ctx.data(START);
        if (start instanceof Long t0) {
            long nanos = System.nanoTime() - t0;
            if (telemetry != null) {
                telemetry.record(tenant, action, nanos, ctx.sql());
            }
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}

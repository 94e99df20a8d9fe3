package io.omniglass.views;

import io.omniglass.views.services.ServiceException;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AlarmsService;
import io.omniglass.views.services.AuditEntry;
import io.omniglass.views.services.BulkResult;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.CurrentValuesService;
import io.omniglass.views.services.Datapoint;
import io.omniglass.views.services.Page;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** In-memory stand-ins for the services, for view-model logic only (the app's tests use a real core). */
public final class Fakes {

    private Fakes() {
    }

    public static CurrentValue value(String owner, String key, String provenance, double v, Instant ts) {
        return new CurrentValue(Math.abs((owner + key + provenance).hashCode()), owner, key, "", provenance, "metric",
                Double.toString(v), v, "bar", ts);
    }

    public static Alarm alarm(long id, String severity, Instant snoozedUntil) {
        return new Alarm(id, "component:pump-" + id, "high-pressure", "active", severity, "pressure high",
                Instant.parse("2026-11-21T07:00:00Z"), null, false, null, null, null, snoozedUntil, null, null,
                100L + id, Instant.parse("2026-11-21T06:59:59Z"), "metric");
    }

    public static ServiceException badRequest(String detail) {
        return new ServiceException(400, "bad filter", detail);
    }

    public static final class Values implements CurrentValuesService {
        public List<CurrentValue> rows = new ArrayList<>();
        public RuntimeException failWith;
        public final List<String> filters = new ArrayList<>();

        @Override
        public Page<CurrentValue> currentValues(String tenant, String filter, int limit, String after) {
            filters.add(filter);
            if (failWith != null) {
                throw failWith;
            }
            return new Page<>(List.copyOf(rows), null);
        }

        @Override
        public List<Datapoint> history(String tenant, long seriesId, Instant from, Instant to, int limit) {
            return List.of(new Datapoint(from, 1.0, null), new Datapoint(to, 2.0, null));
        }

        public final List<String> buckets = new ArrayList<>();

        @Override
        public io.omniglass.views.services.SeriesBuckets aggregates(String tenant, long seriesId, Instant from, Instant to, String bucket) {
            buckets.add(bucket);
            return new io.omniglass.views.services.SeriesBuckets(List.of(
                    new io.omniglass.views.services.SeriesBuckets.Bucket(from, 60, 1.0, 3.0, 2.0),
                    new io.omniglass.views.services.SeriesBuckets.Bucket(to.minusSeconds(3600), 60, 2.0, 4.0, 3.0)),
                    to.minus(java.time.Duration.ofDays(7)));
        }
    }

    public static final class Alarms implements AlarmsService {
        public List<Alarm> alarms = new ArrayList<>();
        public final List<String> filters = new ArrayList<>();
        public final List<String> calls = new ArrayList<>();
        public Set<Long> refuse = new HashSet<>();
        public Instant lastUntil;

        @Override
        public Page<Alarm> alarms(String tenant, String filter, int limit, String after) {
            filters.add(filter);
            return new Page<>(List.copyOf(alarms), null);
        }

        private List<BulkResult> results(List<Long> ids) {
            return ids.stream().map(id -> refuse.contains(id)
                    ? new BulkResult(id, false, "already cleared") : new BulkResult(id, true, null)).toList();
        }

        @Override
        public List<BulkResult> ack(String tenant, List<Long> ids, String reason) {
            calls.add("ack " + ids + " " + reason);
            return results(ids);
        }

        @Override
        public List<BulkResult> snooze(String tenant, List<Long> ids, Instant until, String reason) {
            calls.add("snooze " + ids + " " + reason);
            lastUntil = until;
            return results(ids);
        }

        @Override
        public List<BulkResult> unsnooze(String tenant, List<Long> ids) {
            calls.add("unsnooze " + ids);
            return results(ids);
        }

        @Override
        public List<AuditEntry> auditTrail(String tenant, long alarmId) {
            calls.add("audit " + alarmId);
            return List.of(new AuditEntry(1, Instant.parse("2026-11-21T07:01:00Z"), "alice", "alarm.ack", "alarm/" + alarmId, "reason=x"));
        }
    }
}

package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

public interface AlarmsService {

    Page<Alarm> alarms(String tenant, String filter, int limit, String after);

    List<BulkResult> ack(String tenant, List<Long> ids, String reason);

    List<BulkResult> snooze(String tenant, List<Long> ids, Instant until, String reason);

    List<BulkResult> unsnooze(String tenant, List<Long> ids);

    /** The operator actions on one alarm, oldest first. */
    List<AuditEntry> auditTrail(String tenant, long alarmId);

    /** The past occurrences most like the alarm's current raise, closest first (a core with pgvector). */
    default SimilarAlarms similar(String tenant, long alarmId, int limit) {
        throw new UnsupportedOperationException("similar alarms are not available from this core");
    }
}

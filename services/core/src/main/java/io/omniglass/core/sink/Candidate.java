package io.omniglass.core.sink;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.lane.LaneItem;
import io.omniglass.schema.tenant.enums.Provenance;

import java.time.OffsetDateTime;

/** A datapoint that is well-formed on its own; whether its owner, key and events exist is checked next. */
record Candidate(
        int message,
        int index,
        LaneItem raw,
        String subjectKind,
        OwnerRef owner,
        String key,
        String instance,
        Provenance provenance,
        String source,
        String sourceRule,
        int sourceRuleVersion,
        Long eventId,
        OffsetDateTime ts,
        JsonNode value,
        String correlationId,
        Long causedByEventId) {
}

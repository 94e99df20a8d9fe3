package io.omniglass.core.gateway;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.AUDIT_LOG;
import static io.omniglass.schema.tenant.Tables.CURRENT_VALUE;
import static io.omniglass.schema.tenant.Tables.EVENT;

/** The closed filter field maps of the API's resources (CONTRACT.md filter language). */
public final class ResourceFields {

    private ResourceFields() {
    }

    public static final FilterFields CURRENT_VALUES = FilterFields.builder()
            .text("owner", CURRENT_VALUE.OWNER)
            .enumeration("owner_kind", CURRENT_VALUE.OWNER_KIND)
            .text("key", CURRENT_VALUE.KEY)
            .enumeration("kind", CURRENT_VALUE.KIND)
            .text("unit", CURRENT_VALUE.UNIT)
            .text("instance", CURRENT_VALUE.INSTANCE)
            .enumeration("provenance", CURRENT_VALUE.PROVENANCE)
            .number("value", CURRENT_VALUE.VALUE_NUM)
            .text("text", CURRENT_VALUE.VALUE_TEXT)
            .enumeration("severity", CURRENT_VALUE.SEVERITY)
            .timestamp("ts", CURRENT_VALUE.TS)
            .number("source_count", CURRENT_VALUE.SOURCE_COUNT)
            .number("series_id", CURRENT_VALUE.SERIES_ID)
            .build();

    public static final FilterFields ALARMS = FilterFields.builder()
            .number("id", ALARM.ID)
            .text("owner", ALARM.OWNER)
            .enumeration("owner_kind", ALARM.OWNER_KIND)
            .enumeration("state", ALARM.STATE)
            .enumeration("severity", ALARM.SEVERITY)
            .text("message", ALARM.MESSAGE)
            .number("event_rule_id", ALARM.EVENT_RULE_ID)
            .bool("acked", ALARM.ACKED)
            .text("acked_by", ALARM.ACKED_BY)
            .timestamp("raised_at", ALARM.RAISED_AT)
            .timestamp("cleared_at", ALARM.CLEARED_AT)
            .timestamp("snoozed_until", ALARM.SNOOZED_UNTIL)
            .timestamp("updated_at", ALARM.UPDATED_AT)
            .build();

    public static final FilterFields EVENTS = FilterFields.builder()
            .number("id", EVENT.ID)
            .timestamp("ts", EVENT.TS)
            .text("name", EVENT.NAME)
            .enumeration("origin", EVENT.ORIGIN)
            .text("owner", EVENT.OWNER)
            .enumeration("severity", EVENT.SEVERITY)
            .text("message", EVENT.MESSAGE)
            .text("actor", EVENT.ACTOR)
            .text("correlation_id", EVENT.CORRELATION_ID)
            .build();

    public static final FilterFields AUDIT = FilterFields.builder()
            .number("id", AUDIT_LOG.ID)
            .timestamp("ts", AUDIT_LOG.TS)
            .text("actor", AUDIT_LOG.ACTOR)
            .number("actor_id", AUDIT_LOG.ACTOR_ID)
            .text("verb", AUDIT_LOG.VERB)
            .text("resource", AUDIT_LOG.RESOURCE)
            .text("correlation_id", AUDIT_LOG.CORRELATION_ID)
            .build();
}

package io.omniglass.api.lane;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.WireJson;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * One datapoint as the data lane carries it (CONTRACT.md, "The data lane"). {@code value} is a
 * number for {@code metric}, a string for {@code state}, {@code {"severity", "message"}} for
 * {@code log}; {@code sourceRule} and {@code sourceRuleVersion} go with observed and calculated
 * datapoints, {@code eventId} (the command) with intended ones. Written by {@link LaneCodec#encode}.
 */
public record LaneDatapoint(String owner, String key, String instance, OffsetDateTime ts, JsonNode value,
                            String provenance, String source, String sourceRule, int sourceRuleVersion,
                            Long eventId) {

    public static final String OBSERVED = "observed";
    public static final String CALCULATED = "calculated";
    public static final String INTENDED = "intended";

    public static LaneDatapoint observed(String owner, String key, Instant ts, Object value,
                                         String source, String sourceRule, int sourceRuleVersion) {
        return new LaneDatapoint(owner, key, "", utc(ts), tree(value), OBSERVED, source, sourceRule,
                sourceRuleVersion, null);
    }

    public static LaneDatapoint calculated(String owner, String key, Instant ts, Object value,
                                           String source, String sourceRule, int sourceRuleVersion) {
        return new LaneDatapoint(owner, key, "", utc(ts), tree(value), CALCULATED, source, sourceRule,
                sourceRuleVersion, null);
    }

    public static LaneDatapoint intended(String owner, String key, Instant ts, Object value, String source, long eventId) {
        return new LaneDatapoint(owner, key, "", utc(ts), tree(value), INTENDED, source, null, 1, eventId);
    }

    /** A log datapoint's value. */
    public static JsonNode logValue(String severity, String message) {
        return WireJson.mapper().createObjectNode().put("severity", severity).put("message", message);
    }

    public LaneDatapoint withInstance(String instance) {
        return new LaneDatapoint(owner, key, instance, ts, value, provenance, source, sourceRule, sourceRuleVersion, eventId);
    }

    private static OffsetDateTime utc(Instant ts) {
        return ts.atOffset(ZoneOffset.UTC);
    }

    private static JsonNode tree(Object value) {
        return value instanceof JsonNode n ? n : WireJson.mapper().valueToTree(value);
    }
}

package io.omniglass.views.services;

import java.time.Instant;

public interface LineageService {

    LineageGraph ofDatapoint(String tenant, String kind, long seriesId, Instant ts, int depth);

    /** Lineage of an alarm: from its triggering datapoint, through the rule, to the alarm and what it caused. */
    LineageGraph ofAlarm(String tenant, Alarm alarm, int depth);

    /** Lineage of an expandable node, by its {@link LineageGraph.Node#ref()}. */
    LineageGraph ofRef(String tenant, String ref, int depth);
}

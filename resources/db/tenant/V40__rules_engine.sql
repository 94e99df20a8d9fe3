-- Rules engine state (issue 6).

-- Where a rule stands for one owner: the last sample it evaluated (ordering and rate of change).
-- The row is also the lock that serializes evaluation per (event_rule, owner): every evaluator
-- takes it FOR UPDATE before it decides a transition, so two engines or a redelivery cannot
-- double-fire. Written per evaluated datapoint, so it is kept out of the CDC publication.
CREATE TABLE event_rule_state (
    event_rule_id bigint NOT NULL REFERENCES event_rule (id),
    owner         text NOT NULL,
    last_ts       timestamptz,
    last_value    double precision,
    last_text     text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_rule_id, owner)
);

-- An action rule commands at most once per alarm raise: CDC redelivers, the database refuses twice.
CREATE UNIQUE INDEX event_command_once ON event (action_rule_id, trigger_event_id)
    WHERE action_rule_id IS NOT NULL;

-- Lineage walks: from a rule version to its events, from an event to the alarms it raised or moved.
CREATE INDEX event_rule_lineage ON event (event_rule_id, event_rule_version) WHERE event_rule_id IS NOT NULL;
CREATE INDEX event_action_rule_lineage ON event (action_rule_id, action_rule_version) WHERE action_rule_id IS NOT NULL;
CREATE INDEX alarm_raise_event ON alarm (raise_event_id);
CREATE INDEX alarm_last_event ON alarm (last_event_id);
CREATE INDEX alarm_snoozed_until ON alarm (snoozed_until) WHERE snoozed_until IS NOT NULL;
CREATE INDEX action_confirmed ON action (confirmed_series_id, confirmed_ts) WHERE confirmed_series_id IS NOT NULL;
CREATE INDEX source_rule_calc ON source_rule (calc_rule_id, calc_rule_version) WHERE calc_rule_id IS NOT NULL;

package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A draft event rule to run over stored history: {@code rule} is the body a create takes (checked
 * the same way), {@code from}/{@code to} the span, {@code series} optionally narrows the run to
 * some of the series the rule selects.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EventRuleBacktestRequest(EventRuleRequest rule, OffsetDateTime from, OffsetDateTime to, List<Long> series) {
}

package io.omniglass.views.services;

/**
 * An event rule as the form holds it. {@code condition} is high, low, rate, state or no_data;
 * {@code limit} is the threshold (high, low), the maximum per second (rate) or the seconds of
 * silence (no_data); {@code equals} the state that raises (state).
 */
public record RuleDraft(String name, String selector, String key, String condition, Double limit, Double deadband,
                        String equals, String severity, String message, boolean enabled) {
}

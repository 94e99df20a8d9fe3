package io.omniglass.core.runtime;

import java.util.Optional;

/**
 * Knobs only tests turn, as JVM system properties of a core they start: not settings (nothing a
 * user should set), which is why they are not in {@link Setting}'s table. Unset, they change nothing.
 */
public final class TestHooks {

    private TestHooks() {
    }

    /** How often rules look for silence (no-data rules), in fifths of a check: {@code omniglass.rules.checkIntervalMs}, default 1000. */
    public static long rulesCheckIntervalMs() {
        return Long.getLong("omniglass.rules.checkIntervalMs", 1000);
    }

    /** The tiering step at which the upkeep pauses so that a test can kill -9 the core there: {@code omniglass.lifecycle.pause}. */
    public static Optional<String> lifecyclePause() {
        return Optional.ofNullable(System.getProperty("omniglass.lifecycle.pause"));
    }
}

package io.omniglass.core.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test-only pauses at the steps of tiering, so a test can {@code kill -9} a real core there:
 * the system property {@code omniglass.lifecycle.pause} names the step ({@code written},
 * {@code verified}, {@code dropping}); the upkeep logs {@code lifecycle paused at STEP} and
 * sleeps ({@code found-empty} too: an empty partition about to be dropped). An in-process test
 * may set {@link #atStep} instead, to act at a step. Unset (always, outside tests) it does nothing.
 */
final class LifecycleHooks {

    private static final Logger log = LoggerFactory.getLogger(LifecycleHooks.class);
    private static final String STEP = io.omniglass.core.runtime.TestHooks.lifecyclePause().orElse(null);
    /** In-process tests: run at every step, on the upkeep's thread (null outside tests). */
    static volatile java.util.function.Consumer<String> atStep;

    private LifecycleHooks() {
    }

    static void pause(String step) {
        java.util.function.Consumer<String> hook = atStep;
        if (hook != null) {
            hook.accept(step);
        }
        if (STEP != null && STEP.equals(step)) {
            log.warn("lifecycle paused at {}", step);
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

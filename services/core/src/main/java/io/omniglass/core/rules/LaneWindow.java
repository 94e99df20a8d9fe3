package io.omniglass.core.rules;

import io.omniglass.core.sink.AcceptedWindow;

import java.time.DateTimeException;
import java.time.ZoneOffset;

/**
 * The sink's accepted window as the rules apply it: a datapoint the sink will never store (a
 * device clock in 2100, a year outside any partition) must not become a rule's latest sample,
 * or every real datapoint after it would look older and be ignored, the no-data check with them.
 */
final class LaneWindow {

    private final AcceptedWindow window;

    LaneWindow(AcceptedWindow window) {
        this.window = window;
    }

    boolean accepts(Reading dp) {
        try {
            return window.check(dp.ts().atOffset(ZoneOffset.UTC), dp.kind() + "_datapoint") == null;
        } catch (DateTimeException | ArithmeticException e) {
            return false; // beyond what a timestamp can be: certainly not stored
        }
    }
}

package io.omniglass.views.common;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;

/**
 * Counts the calls a view-model has in flight. Views show progress only when {@link #busyProperty}
 * has stayed true for half a second (see {@code ProgressOverlay}), so quick calls do not flicker.
 */
public final class Busy {

    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private int inFlight;

    public void begin() {
        inFlight++;
        busy.set(true);
    }

    public void end() {
        inFlight = Math.max(0, inFlight - 1);
        busy.set(inFlight > 0);
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    public boolean isBusy() {
        return busy.get();
    }
}

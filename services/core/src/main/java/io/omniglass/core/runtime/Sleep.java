package io.omniglass.core.runtime;

/** A pause in a worker loop that keeps the interrupt flag for the loop to see. */
public final class Sleep {
    private Sleep() {
    }

    public static void quietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.omniglass.core.gateway;

/** A filter that cannot be used; {@link #position()} is the 1-based character where the problem is. */
public final class FilterException extends RuntimeException {
    private final int position;

    public FilterException(int position, String message) {
        super(message + " at position " + position);
        this.position = position;
    }

    public int position() {
        return position;
    }
}

package io.omniglass.views.services;

/**
 * A call to the core that failed, as the views see it: the HTTP status ({@code 0} when the core
 * could not be reached), the error and its detail as the core said them. The app turns its
 * client's failures into this, so the views never see the client or its transport.
 */
public final class ServiceException extends RuntimeException {

    private final int status;
    private final String error;
    private final String detail;

    public ServiceException(int status, String error, String detail) {
        super(error + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.status = status;
        this.error = error;
        this.detail = detail;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String detail() {
        return detail;
    }
}

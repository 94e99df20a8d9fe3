package io.omniglass.core.gateway;

/**
 * The gateway refused a request: bad input, a role that lacks the action, or a resource outside
 * the caller's tenant or scope (which looks missing, so a caller cannot probe for it). The HTTP
 * layer maps the kinds to 400, 403 and 404; the gateway itself knows nothing of HTTP.
 */
public final class GatewayException extends RuntimeException {

    public enum Kind { INVALID, DENIED, NOT_FOUND }

    private final Kind kind;

    private GatewayException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static GatewayException invalid(String message) {
        return new GatewayException(Kind.INVALID, message);
    }

    public static GatewayException denied(String message) {
        return new GatewayException(Kind.DENIED, message);
    }

    public static GatewayException notFound(String message) {
        return new GatewayException(Kind.NOT_FOUND, message);
    }
}

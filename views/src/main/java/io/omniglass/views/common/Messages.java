package io.omniglass.views.common;

import io.omniglass.views.services.ServiceException;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns failures into sentences an operator can act on; never a stack trace. */
public final class Messages {

    private Messages() {
    }

    public static String readable(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof ServiceException api) {
            String detail = api.detail();
            String error = api.error();
            return switch (api.status()) {
                case 0 -> "The core cannot be reached" + (detail == null ? "" : " (" + shorten(detail) + ")");
                case 401 -> "The token was refused: check the token file or ask for a new token.";
                case 403 -> "Your token's role does not allow this" + (detail == null ? "." : ": " + shorten(detail));
                case 404 -> "Not found" + (detail == null || detail.isBlank() ? "." : ": " + shorten(detail));
                default -> capitalise(error) + (detail == null || detail.isBlank() ? "" : ": " + shorten(detail));
            };
        }
        if (e instanceof ConnectException) {
            return "The core cannot be reached (connection refused).";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "Unexpected error (" + e.getClass().getSimpleName() + ")" : shorten(m);
    }

    /** The HTTP status of an API failure, 0 when it is not one. */
    public static int status(Throwable t) {
        return unwrap(t) instanceof ServiceException api ? api.status() : 0;
    }

    /** The core's own message of an API failure (for a form to show at its field), else the exception's. */
    public static String detail(Throwable t) {
        Throwable e = unwrap(t);
        return e instanceof ServiceException api ? api.detail() : e.getMessage();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static String shorten(String s) {
        String one = s.replaceAll("\\s+", " ").trim();
        return one.length() > 300 ? one.substring(0, 297) + "..." : one;
    }

    private static String capitalise(String s) {
        if (s == null || s.isEmpty()) {
            return "Error";
        }
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}

package io.omniglass.api;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cores a client may talk to: one URL, or several separated by commas (several core instances
 * share the work; any of them answers for any tenant). The current one is the one that answered
 * last; a request goes there first and on to the others when it cannot be served.
 */
public final class CoreUrls {

    private final List<URI> all;
    private final AtomicInteger current = new AtomicInteger();

    private CoreUrls(List<URI> all) {
        this.all = List.copyOf(all);
    }

    /** {@code "http://a:8686"} or {@code "http://a:8686, https://b:8686/"}; a clear message when one is not a URL. */
    public static CoreUrls parse(String urls) {
        if (urls == null || urls.isBlank()) {
            throw new IllegalArgumentException("no core URL given");
        }
        List<URI> out = new ArrayList<>();
        for (String part : urls.split(",")) {
            String u = part.strip();
            if (u.isEmpty()) {
                continue;
            }
            while (u.endsWith("/")) {
                u = u.substring(0, u.length() - 1);
            }
            URI uri;
            try {
                uri = URI.create(u);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a core URL: '" + u + "' (" + e.getMessage() + ")");
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("not a core URL: '" + u + "' (http:// or https:// and a host)");
            }
            if (!out.contains(uri)) {
                out.add(uri);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no core URL given");
        }
        return new CoreUrls(out);
    }

    public URI current() {
        return all.get(current.get());
    }

    public List<URI> all() {
        return all;
    }

    public int size() {
        return all.size();
    }

    /** Every core once, the current one first, then the ones after it in the given order. */
    List<URI> fromCurrent() {
        int from = current.get();
        List<URI> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            out.add(all.get((from + i) % all.size()));
        }
        return out;
    }

    /** {@code core} answered: the next request goes there first. */
    void answered(URI core) {
        int i = all.indexOf(core);
        if (i >= 0) {
            current.set(i);
        }
    }

    /** The current core, and how many others there are to fail over to. */
    public String describe() {
        return all.size() == 1 ? current().toString() : current() + " (and " + (all.size() - 1) + " more: " + all + ")";
    }

    /** Whether the failure happened before anything of the request could have reached the core. */
    static boolean neverSent(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
                    || t instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }
}

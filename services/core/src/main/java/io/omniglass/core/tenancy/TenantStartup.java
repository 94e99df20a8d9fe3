package io.omniglass.core.tenancy;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which tenants a starting core is still bringing up. The core serves HTTP before its fleet is up
 * (200 tenants take a while to converge and activate): a request for a tenant still in here gets a
 * 503 "starting" instead of running against a schema not yet converged, and /healthz says how far
 * the start is.
 */
public final class TenantStartup {

    private final Set<String> starting = ConcurrentHashMap.newKeySet();
    private volatile int total;
    private volatile boolean finished;

    /** The tenants the start will bring up. */
    public void begin(Collection<String> slugs) {
        starting.addAll(slugs);
        total = slugs.size();
    }

    /** This tenant is up (or given up on: it is then answered as it would be without the start). */
    public void done(String slug) {
        starting.remove(slug);
    }

    public void finish() {
        starting.clear();
        finished = true;
    }

    public boolean isStarting(String slug) {
        return starting.contains(slug);
    }

    public boolean finished() {
        return finished;
    }

    public int total() {
        return total;
    }

    public int pending() {
        return starting.size();
    }
}

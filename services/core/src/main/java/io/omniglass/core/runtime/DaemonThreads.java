package io.omniglass.core.runtime;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the core's shared pools: daemon threads (they never hold the JVM up after
 * the core's own shutdown), named after the pool, never after a tenant.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Every thread of the pool has {@code name} (single-threaded pools). */
    public static ThreadFactory named(String name) {
        return r -> daemon(r, name);
    }

    /** Threads {@code prefix1}, {@code prefix2}, ... */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> daemon(r, prefix + n.incrementAndGet());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}

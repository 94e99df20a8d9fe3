package io.omniglass.core.tenancy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The borrows under way in every tenant pool of a core, and one sweep that reports each borrow
 * still waiting for its connection after {@code afterMs} (its server is then suspect). A borrow
 * only records when it started; the sweep runs on the shared timer while borrows are out, at most
 * once per {@code afterMs}, and not at all when none is: no timer task per borrow, none while idle.
 */
final class HangingBorrows {

    /** One borrow under way; {@link #close} when the pool has answered, with a connection or a failure. */
    final class Borrow implements AutoCloseable {
        private final String server;
        private final long since = System.nanoTime();
        private boolean reported; // only the sweep reads and writes it, one sweep at a time

        private Borrow(String server) {
            this.server = server;
        }

        @Override
        public void close() {
            out.remove(this);
        }
    }

    private final ScheduledExecutorService timer;
    private final long afterNanos;
    private final Consumer<String> onHang;
    private final Set<Borrow> out = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean armed = new AtomicBoolean();

    HangingBorrows(ScheduledExecutorService timer, long afterMs, Consumer<String> onHang) {
        this.timer = timer;
        this.afterNanos = TimeUnit.MILLISECONDS.toNanos(afterMs);
        this.onHang = onHang;
    }

    Borrow start(String server) {
        Borrow b = new Borrow(server);
        out.add(b);
        // after the add: a sweep that disarms then looks at the set again and sees this borrow
        if (!armed.get() && armed.compareAndSet(false, true)) {
            schedule(afterNanos);
        }
        return b;
    }

    /** Borrows under way (for tests: none is left behind). */
    int outstanding() {
        return out.size();
    }

    private void schedule(long inNanos) {
        try {
            timer.schedule(this::sweep, inNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            armed.set(false); // the core is closing: nothing is left to suspect
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        long next = afterNanos;
        for (Borrow b : out) {
            long age = now - b.since;
            if (age >= afterNanos) {
                if (!b.reported) {
                    b.reported = true;
                    onHang.accept(b.server);
                }
            } else {
                next = Math.min(next, afterNanos - age);
            }
        }
        if (!out.isEmpty()) {
            schedule(next);
            return;
        }
        armed.set(false);
        // a borrow that started during this sweep saw it armed and scheduled nothing
        if (!out.isEmpty() && armed.compareAndSet(false, true)) {
            schedule(afterNanos);
        }
    }
}

package io.omniglass.core.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Commits small transactions of audit rows continuously from its own thread and remembers the ids
 * in commit order: what a CDC feed must carry, in that order, whatever is killed meanwhile.
 */
public final class AuditCommits implements AutoCloseable {
    private final String actor;
    private final Callable<Connection> connect;
    private final long pauseMillis;
    private final List<Long> ids = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Throwable> failed = new AtomicReference<>();
    private final Thread thread;

    public AuditCommits(String actor, Callable<Connection> connect) {
        this(actor, connect, 5);
    }

    /**
     * {@code pauseMillis} between transactions: a slower writer where the test is about what arrives,
     * not how fast (a feed through a 3-node cluster on a loaded 2-core machine drains slowly).
     */
    public AuditCommits(String actor, Callable<Connection> connect, long pauseMillis) {
        this.actor = actor;
        this.connect = connect;
        this.pauseMillis = pauseMillis;
        this.thread = new Thread(this::loop, "writer-" + actor);
    }

    public void start() {
        thread.start();
    }

    private void loop() {
        try (Connection c = connect.call();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO audit_log (actor, verb, resource) SELECT ?, 'write', 'r-' || g FROM generate_series(1, 5) g RETURNING id")) {
            c.setAutoCommit(false);
            ps.setString(1, actor);
            while (running.get()) {
                List<Long> txn = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        txn.add(rs.getLong(1));
                    }
                }
                c.commit();
                ids.addAll(txn); // committed: these must reach the feed
                Thread.sleep(pauseMillis);
            }
        } catch (Throwable t) {
            failed.set(t);
        }
    }

    public void stopAndJoin() throws InterruptedException {
        running.set(false);
        thread.join();
        assertThat(failed.get()).isNull();
    }

    public List<Long> ids() {
        synchronized (ids) {
            return List.copyOf(ids);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join();
    }
}

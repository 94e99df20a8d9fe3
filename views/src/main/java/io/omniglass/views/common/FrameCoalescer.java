package io.omniglass.views.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Collects live updates from any thread and hands them to the UI at most once per frame, keeping
 * only the newest update per key: a burst of 10,000 changes to 50 series costs one UI pass of 50.
 * Time is driven by {@link #flush()}, so tests can flush by hand; {@link #start} schedules it.
 */
public final class FrameCoalescer<K, V> implements AutoCloseable {

    private final Function<V, K> keyOf;
    private final Consumer<List<V>> onFrame;
    private final Consumer<Runnable> uiThread;
    private final Object lock = new Object();
    private Map<K, V> pending = new LinkedHashMap<>();
    private long received;
    private long delivered;
    private long frames;
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> tick;

    /** {@code uiThread} runs a frame on the UI thread (Platform::runLater in the app, Runnable::run in tests). */
    public FrameCoalescer(Function<V, K> keyOf, Consumer<List<V>> onFrame, Consumer<Runnable> uiThread) {
        this.keyOf = keyOf;
        this.onFrame = onFrame;
        this.uiThread = uiThread;
    }

    public void offer(V update) {
        synchronized (lock) {
            received++;
            K key = keyOf.apply(update);
            pending.remove(key); // re-insert so the order follows the newest arrival
            pending.put(key, update);
        }
    }

    /** Hands the pending updates to the UI in one call; nothing happens when none are pending. */
    public void flush() {
        List<V> batch;
        synchronized (lock) {
            if (pending.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(pending.values());
            pending = new LinkedHashMap<>();
            delivered += batch.size();
            frames++;
        }
        uiThread.accept(() -> onFrame.accept(batch));
    }

    public FrameCoalescer<K, V> start(long frameMillis) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "og-console-frames");
            t.setDaemon(true);
            return t;
        });
        tick = timer.scheduleAtFixedRate(this::flush, frameMillis, frameMillis, TimeUnit.MILLISECONDS);
        return this;
    }

    public long received() {
        synchronized (lock) {
            return received;
        }
    }

    public long delivered() {
        synchronized (lock) {
            return delivered;
        }
    }

    public long frames() {
        synchronized (lock) {
            return frames;
        }
    }

    @Override
    public void close() {
        if (tick != null) {
            tick.cancel(false);
            timer.shutdownNow();
        }
    }
}

package io.omniglass.core.http;

import io.omniglass.core.runtime.DaemonThreads;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Reads a result set's rows (each column's wire bytes) on a second thread, a few chunks ahead of
 * the thread that writes them out. With a cursor that fetches in batches, the database prints the
 * next batch while this one is encoded, instead of each side waiting for the other: a fleet read
 * then costs about its query plus the last chunk's encoding. Memory stays bounded by the queue.
 */
final class ReadAhead implements AutoCloseable {

    /**
     * The readers every request shares: one a core (overlap needs a spare core), threads that end
     * after 30 s idle. A read that finds them all busy reads inline instead, as a small read does:
     * slower by the overlap it misses, never refused and never queued behind another read.
     */
    static final int READERS = Math.max(2, Runtime.getRuntime().availableProcessors());
    private static final ExecutorService THREADS = readers(READERS, "og-read-ahead-");
    private static final int CHUNK_ROWS = 1000;
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(8);
    private final Future<?> reader;
    private final ResultSet inline;
    private final int columns;
    private int inlineLeft;
    private volatile boolean closed;
    private byte[][][] chunk;
    private int position;
    private int size;
    private boolean ended;

    /**
     * Starts reading up to {@code maxRows} rows of {@code rs} (which this thread must not touch until
     * {@link #close}). Up to one chunk is read inline, on the caller's thread: a small read has
     * nothing to overlap and would only pay the hand-over.
     */
    ReadAhead(ResultSet rs, int columns, int maxRows) {
        this(rs, columns, maxRows, THREADS);
    }

    /** A bounded pool of readers: a task it cannot start at once is refused (and read inline), not queued. */
    static ThreadPoolExecutor readers(int threads, String prefix) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                DaemonThreads.numbered(prefix), new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    ReadAhead(ResultSet rs, int columns, int maxRows, ExecutorService readers) {
        this.columns = columns;
        Future<?> started = maxRows <= CHUNK_ROWS ? null : start(rs, maxRows, readers);
        if (started == null) {
            inline = rs;
            inlineLeft = maxRows;
            reader = null;
            return;
        }
        inline = null;
        reader = started;
    }

    /** Whether a second thread reads the rows (false: they are read inline, on the caller's thread). */
    boolean ahead() {
        return reader != null;
    }

    private Future<?> start(ResultSet rs, int maxRows, ExecutorService readers) {
        try {
            return readers.submit(() -> read(rs, maxRows));
        } catch (RejectedExecutionException full) {
            return null;
        }
    }

    private Object read(ResultSet rs, int maxRows) throws InterruptedException {
        // hands over what it read, its end or its failure; nothing is left to the executor's future
        try {
            byte[][][] rows = new byte[CHUNK_ROWS][][];
            int k = 0;
            int n = 0;
            while (!closed && n < maxRows && rs.next()) {
                byte[][] row = new byte[columns][];
                for (int c = 0; c < columns; c++) {
                    row[c] = rs.getBytes(c + 1);
                }
                rows[k++] = row;
                n++;
                if (k == CHUNK_ROWS) {
                    hand(new Chunk(rows, k));
                    rows = new byte[CHUNK_ROWS][][];
                    k = 0;
                }
            }
            if (k > 0) {
                hand(new Chunk(rows, k));
            }
            hand(END);
        } catch (Throwable e) {
            hand(e);
        }
        return null;
    }

    private record Chunk(byte[][][] rows, int size) {
    }

    private void hand(Object item) throws InterruptedException {
        while (!closed) {
            if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    /** The next row (column {@code c} at index {@code c - 1}), or null after the last. */
    byte[][] next() throws SQLException {
        if (inline != null) {
            if (inlineLeft == 0 || !inline.next()) {
                return null;
            }
            inlineLeft--;
            byte[][] row = new byte[columns][];
            for (int c = 0; c < columns; c++) {
                row[c] = inline.getBytes(c + 1);
            }
            return row;
        }
        if (position == size) {
            if (ended) {
                return null;
            }
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while reading ahead", e);
            }
            if (item == END) {
                ended = true;
                return null;
            }
            if (item instanceof SQLException e) {
                throw e;
            }
            if (item instanceof Throwable t) {
                throw new SQLException("reading ahead failed: " + t, t);
            }
            Chunk c = (Chunk) item;
            chunk = c.rows();
            size = c.size();
            position = 0;
        }
        return chunk[position++];
    }

    /** Stops the reader and waits for it, so the result set is free again (for closing it). */
    @Override
    public void close() {
        if (reader == null) {
            return;
        }
        closed = true;
        queue.clear();
        try {
            reader.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // its failure was handed over (or nobody is left to read it)
        }
    }
}

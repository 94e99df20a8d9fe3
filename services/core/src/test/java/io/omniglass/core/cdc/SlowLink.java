package io.omniglass.core.cdc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP relay to a real server that delays every byte by a fixed time each way: a round trip as
 * slow as a loaded machine's (0.05-2 s), in order, without loss. The lead's fleet run showed that
 * a lease manager waiting for one answer per tenant takes minutes then; this makes it reproducible.
 */
final class SlowLink implements AutoCloseable {

    private final ServerSocket listener;
    /** Each way; changed while connections are open (a server that turns slow, then recovers). */
    private volatile long delayNanos;
    private volatile boolean closed;

    SlowLink(int targetPort, long delayMillis) throws IOException {
        this.delayNanos = delayMillis * 1_000_000;
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!closed) {
                try {
                    Socket client = listener.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    client.setTcpNoDelay(true);
                    server.setTcpNoDelay(true);
                    upstream(client, server);
                    relay(server, client);
                } catch (IOException e) {
                    // closed, or the server went away: the client reconnects through a new accept
                }
            }
        }, "slow-link-accept");
        accept.setDaemon(true);
        accept.start();
    }

    private volatile String slowPrefix;
    private volatile long slowExtraNanos;

    /**
     * From now on a client's publishes to subjects starting with {@code prefix} reach the server
     * {@code extraMillis} later than the rest (which may overtake them): one stream slow to store,
     * e.g. a file-stored bucket behind a slow disk, while the others answer on time. Null: none.
     */
    void slowSubjects(String prefix, long extraMillis) {
        slowExtraNanos = extraMillis * 1_000_000;
        slowPrefix = prefix;
    }

    /** From now on every byte read is delayed this long (bytes already queued keep their order). */
    void delay(long millis) {
        delayNanos = millis * 1_000_000;
    }

    int port() {
        return listener.getLocalPort();
    }

    private record Chunk(long dueNanos, byte[] bytes) {
    }

    private record Frame(long dueNanos, long order, byte[] bytes) implements java.util.concurrent.Delayed {
        @Override
        public long getDelay(java.util.concurrent.TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(java.util.concurrent.Delayed o) {
            Frame f = (Frame) o;
            int c = Long.compare(dueNanos, f.dueNanos);
            return c != 0 ? c : Long.compare(order, f.order);
        }
    }

    /**
     * Client to server, split into protocol frames (PUB and HPUB with their payloads, one line for
     * the rest) so that a slow subject's publishes can be held back on their own.
     */
    private void upstream(Socket from, Socket to) throws IOException {
        java.util.concurrent.DelayQueue<Frame> queue = new java.util.concurrent.DelayQueue<>();
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
            long order = 0;
            long[] lastDue = new long[2]; // each lane in order: a lowered delay does not let a PUB overtake its SUB
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    pending.write(buf, 0, n);
                    byte[] b = pending.toByteArray();
                    int at = 0;
                    while (true) {
                        int eol = indexOfCrlf(b, at);
                        if (eol < 0) {
                            break;
                        }
                        String line = new String(b, at, eol - at, java.nio.charset.StandardCharsets.US_ASCII);
                        String[] w = line.trim().split("\\s+");
                        String op = w[0].toUpperCase();
                        int len = eol + 2 - at;
                        if (op.equals("PUB") || op.equals("HPUB")) {
                            len += Integer.parseInt(w[w.length - 1]) + 2;
                        }
                        if (b.length - at < len) {
                            break;
                        }
                        String prefix = slowPrefix;
                        int lane = prefix != null && w.length > 1 && (op.equals("PUB") || op.equals("HPUB"))
                                && w[1].startsWith(prefix) ? 1 : 0;
                        long due = Math.max(lastDue[lane], System.nanoTime() + delayNanos + (lane == 1 ? slowExtraNanos : 0));
                        lastDue[lane] = due;
                        queue.put(new Frame(due, order++, Arrays.copyOfRange(b, at, at + len)));
                        at += len;
                    }
                    pending.reset();
                    pending.write(b, at, b.length - at);
                }
            } catch (IOException | RuntimeException ignored) {
                // either side closed
            }
            queue.put(new Frame(System.nanoTime() + delayNanos + slowExtraNanos, Long.MAX_VALUE, null));
        }, "slow-link-read");
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    Frame f = queue.take();
                    if (f.bytes() == null) {
                        break;
                    }
                    out.write(f.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException ignored) {
                // either side closed
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "slow-link-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void relay(Socket from, Socket to) throws IOException {
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    queue.put(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
                }
            } catch (IOException | InterruptedException ignored) {
                // either side closed
            }
            queue.add(new Chunk(0, null));
        }, "slow-link-read");
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    Chunk c = queue.take();
                    if (c.bytes() == null) {
                        break;
                    }
                    long wait = c.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    out.write(c.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException ignored) {
                // either side closed
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "slow-link-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
    }
}

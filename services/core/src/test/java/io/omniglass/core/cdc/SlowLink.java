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
                    relay(client, server);
                    relay(server, client);
                } catch (IOException e) {
                    // closed, or the server went away: the client reconnects through a new accept
                }
            }
        }, "slow-link-accept");
        accept.setDaemon(true);
        accept.start();
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

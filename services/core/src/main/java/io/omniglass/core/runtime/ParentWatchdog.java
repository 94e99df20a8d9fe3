package io.omniglass.core.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * A tiny shell process that signals a child of ours when this JVM goes away for any reason,
 * kill -9 included: it blocks reading a pipe from us, and the kernel closes that pipe when we die.
 * Shutdown hooks cover SIGTERM and Ctrl-C; this covers what hooks cannot.
 */
public final class ParentWatchdog implements AutoCloseable {

    private final Process process;
    private final OutputStream pipe;

    private ParentWatchdog(Process process) {
        this.process = process;
        this.pipe = process.getOutputStream();
    }

    /** On our death, send {@code signal} to the process whose pid is the first line of {@code pidFile}. */
    static ParentWatchdog signalPidFile(String signal, String pidFile) throws IOException {
        return start("cat >/dev/null; p=$(head -n 1 \"$1\" 2>/dev/null); [ -n \"$p\" ] && kill -" + signal + " \"$p\" 2>/dev/null; exit 0",
                pidFile);
    }

    /** On our death, send {@code signal} to {@code pid}. */
    public static ParentWatchdog signalPid(String signal, long pid) throws IOException {
        return start("cat >/dev/null; kill -" + signal + " \"$1\" 2>/dev/null; exit 0", Long.toString(pid));
    }

    private static ParentWatchdog start(String script, String arg) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", "-c", script, "og-watchdog", arg));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        return new ParentWatchdog(pb.start());
    }

    /** We stopped the child ourselves: let the watchdog go without it signalling anything. */
    public void disarm() {
        process.destroy();
    }

    @Override
    public void close() {
        try {
            pipe.close();
        } catch (IOException ignored) {
            // the watchdog is gone already
        }
    }
}

package io.omniglass.core.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** CPU seconds used so far by a process (and optionally its descendants), from /proc on Linux; NaN elsewhere. */
final class ProcessCpu {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private ProcessCpu() {
    }

    static double seconds(long pid, boolean withDescendants) {
        double own = ticks(pid) / TICKS_PER_SECOND;
        if (!withDescendants) {
            return own;
        }
        return own + ProcessHandle.of(pid).map(h -> h.descendants().mapToLong(d -> ticks(d.pid())).sum()).orElse(0L)
                / TICKS_PER_SECOND;
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // fields after the command (which may hold spaces) start after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        } catch (Exception e) {
            return 0;
        }
    }

    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

}

package io.omniglass.core.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** CPU seconds used so far by a process (and optionally its descendants), from /proc on Linux; NaN elsewhere. */
final class ProcessCpu {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private ProcessCpu() {
    }

    /**
     * With descendants: the live descendants' CPU plus what the process's children that have exited
     * used ({@code cutime + cstime}, which the kernel adds to a parent when it reaps a child; a
     * Postgres backend that ends is reaped by the postmaster). Summing only the live ones made the
     * figure fall, even below zero, when backends ended between two readings.
     */
    static double seconds(long pid, boolean withDescendants) {
        long[] own = ticks(pid);
        if (!withDescendants) {
            return own[0] / TICKS_PER_SECOND;
        }
        long live = ProcessHandle.of(pid).map(h -> h.descendants().mapToLong(d -> {
            long[] t = ticks(d.pid());
            return t[0] + t[1];
        }).sum()).orElse(0L);
        return (own[0] + own[1] + live) / TICKS_PER_SECOND;
    }

    /** {utime + stime, cutime + cstime} of the process; zeros when it is gone. */
    private static long[] ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // fields after the command (which may hold spaces) start after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])};
        } catch (Exception e) {
            return new long[2];
        }
    }

    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

}

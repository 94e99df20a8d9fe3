package io.omniglass.core.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The bench JVM's CPU by thread, from /proc/self/task: every native thread, so the garbage
 * collector's and the JIT compiler's threads are counted next to the core's workers and the
 * bench's own publisher and probes (which run in the same JVM as the core). Threads are grouped
 * by name with their numbers dropped ({@code og-lane-worker-3} is {@code og-lane-worker-}); Linux
 * keeps the first 15 characters of a name.
 */
final class ThreadCpu {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    /** CPU ticks so far of each live thread of this process, by thread id, with its name. */
    record Snapshot(Map<String, String> names, Map<String, Long> ticks, double processSeconds, long nanos) {
    }

    private ThreadCpu() {
    }

    static Snapshot take() {
        Map<String, String> names = new HashMap<>();
        Map<String, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] f = stat.substring(close + 2).split(" ");
                    String tid = task.getFileName().toString();
                    names.put(tid, stat.substring(open + 1, close));
                    ticks.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between the listing and the read
                }
            });
        } catch (IOException e) {
            // no /proc: an empty snapshot
        }
        return new Snapshot(names, ticks, ProcessCpu.seconds(ProcessHandle.current().pid(), false), System.nanoTime());
    }

    /**
     * Percent of one core per thread group between two snapshots (over the time between them), largest first, plus
     * {@code (threads that ended)}: what the process used that no thread alive at the end accounts for.
     */
    static Map<String, Object> percentByGroup(Snapshot before, Snapshot after) {
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        Map<String, Long> byGroup = new HashMap<>();
        long sum = 0;
        for (var e : after.ticks().entrySet()) {
            long d = e.getValue() - before.ticks().getOrDefault(e.getKey(), 0L);
            byGroup.merge(group(after.names().get(e.getKey())), d, Long::sum);
            sum += d;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        byGroup.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), percent(e.getValue() / TICKS_PER_SECOND, seconds)));
        double ended = after.processSeconds() - before.processSeconds() - sum / TICKS_PER_SECOND;
        out.put("(threads that ended)", percent(Math.max(0, ended), seconds));
        return out;
    }

    private static double percent(double cpuSeconds, double seconds) {
        return Math.round(1000 * cpuSeconds / seconds) / 10.0;
    }

    static String group(String name) {
        String g = name.replaceAll("[0-9]+", "");
        return g.isBlank() ? name : g;
    }
}

package io.omniglass.core.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's disk flushes (each fsync of a file with data to write reaches the disk as a flush
 * request) and writes completed, summed over its whole disks from {@code /proc/diskstats}
 * (Linux 5.5+): a store that is bound by fsync shows as flushes at the disk's rate.
 */
final class DiskFlushes {

    private DiskFlushes() {
    }

    /** {flushes, writes} completed so far, or null where the kernel does not count flushes. */
    static long[] read() {
        try {
            long flushes = 0;
            long writes = 0;
            boolean any = false;
            for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
                String[] f = line.trim().split("\\s+");
                // whole disks only (vda, sda, nvme0n1), not their partitions, loops or device-mapper volumes
                if (f.length < 20 || !f[2].matches("(vd|sd|xvd)[a-z]+|nvme\\d+n\\d+")) {
                    continue;
                }
                writes += Long.parseLong(f[7]);
                flushes += Long.parseLong(f[18]);
                any = true;
            }
            return any ? new long[]{flushes, writes} : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}

package io.omniglass.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Postgres 17 client programs (pg_basebackup, pg_dump, pg_restore) that
 * packaging/postgres-client/fetch.sh extracts from Debian's packages (zonky's bundle has none).
 */
public final class PgClientTools {

    private static final Path FETCHED = Path.of("packaging", "postgres-client", "target", "bin");

    private PgClientTools() {
    }

    /** The launcher of {@code tool}, found upwards from where this class was loaded (target/test-classes). */
    public static Path path(String tool) {
        try {
            for (Path dir = Path.of(PgClientTools.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
                 dir != null; dir = dir.getParent()) {
                if (Files.isExecutable(dir.resolve(FETCHED).resolve(tool))) {
                    return dir.resolve(FETCHED).resolve(tool);
                }
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // no code source to start from
        }
        throw new IllegalStateException("no " + tool + " 17: run packaging/postgres-client/fetch.sh (Debian trixie's, "
                + "under packaging/postgres-client/target; ./omniglass test and .ci/run do)");
    }

    /**
     * Runs {@code tool} with {@code args} (and PGPASSWORD when {@code password} is given), its output
     * in {@code log}; fails with that output unless it exits 0 within {@code minutes}.
     */
    public static void run(String tool, List<String> args, String password, Path log, int minutes) {
        List<String> cmd = new ArrayList<>();
        cmd.add(path(tool).toString());
        cmd.addAll(args);
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            if (password != null) {
                pb.environment().putAll(Map.of("PGPASSWORD", password));
            }
            Process p = pb.start();
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(tool + " did not finish in " + minutes + " minutes: " + Files.readString(log));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(tool + " failed (exit " + p.exitValue() + "): " + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

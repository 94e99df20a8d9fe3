package io.omniglass.core.runtime;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The embedded Postgres binaries: the bundle with pgvector that {@code packaging/pgvector/build.sh}
 * writes (zonky's binaries plus {@code vector.so} and its control and SQL files), when it is on the
 * class path, else zonky's own. The resource name is Omniglass's, so class-path order never decides
 * which of the two runs. zonky extracts a bundle once per content hash, so switching is safe.
 */
final class BundledPgBinaries implements PgBinaryResolver {

    private static final Logger log = LoggerFactory.getLogger(BundledPgBinaries.class);
    static final String RESOURCE_DIR = "omniglass/pg-bundle/";

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
        String name = RESOURCE_DIR + "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + normalise(machineHardware) + ".txz";
        InputStream bundle = BundledPgBinaries.class.getClassLoader().getResourceAsStream(name);
        if (bundle != null) {
            log.info("embedded Postgres from the pgvector bundle ({})", name);
            return bundle;
        }
        log.info("embedded Postgres from zonky's binaries, without pgvector (packaging/pgvector/build.sh builds the bundle)");
        return DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware);
    }

    private static String normalise(String hardware) {
        String h = hardware.toLowerCase(Locale.ROOT);
        return h.equals("amd64") || h.equals("x86-64") ? "x86_64" : h;
    }
}

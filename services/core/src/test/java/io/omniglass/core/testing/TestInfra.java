package io.omniglass.core.testing;

import io.omniglass.core.runtime.DataDir;
import io.omniglass.core.runtime.Infrastructure;
import io.omniglass.core.runtime.OmniglassConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A Postgres and a nats-server owned by the test, standing in for "external" ones: several core
 * instances (in-process or {@link CoreProcess}) point at them through OMNIGLASS_PG_URL and
 * OMNIGLASS_NATS_URL, exactly as production cores share a server and a cluster.
 */
public final class TestInfra implements AutoCloseable {

    private final Path dir;
    private final Infrastructure infra;

    private TestInfra(Path dir, Infrastructure infra) {
        this.dir = dir;
        this.infra = infra;
    }

    public static TestInfra start() {
        try {
            Path dir = Files.createTempDirectory("og-test-infra-");
            OmniglassConfig cfg = OmniglassConfig.load(Optional.empty(), Map.of("OMNIGLASS_DATA_DIR", dir.toString()));
            return new TestInfra(dir, Infrastructure.start(cfg, new DataDir(dir)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Infrastructure infrastructure() {
        return infra;
    }

    public String pgUrl() {
        return infra.pg().jdbcUrl(infra.controlDatabase()) + "?user=postgres&password=postgres";
    }

    public String natsUrl() {
        return infra.natsUrl();
    }

    /** The environment that points a core at this infrastructure. */
    public Map<String, String> env() {
        return Map.of("OMNIGLASS_PG_URL", pgUrl(), "OMNIGLASS_NATS_URL", natsUrl());
    }

    @Override
    public void close() {
        infra.close();
        TestFiles.deleteQuietly(dir);
    }
}

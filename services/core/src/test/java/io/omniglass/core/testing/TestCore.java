package io.omniglass.core.testing;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreModule;
import io.omniglass.core.CoreService;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real core in this JVM on a fresh data dir: embedded Postgres, a nats-server child process,
 * HTTP on a free port. For tests that need the parts but not a separate process.
 */
public final class TestCore implements AutoCloseable {

    private final Path dataDir;
    private final CoreService core;

    private TestCore(Path dataDir, CoreService core) {
        this.dataDir = dataDir;
        this.core = core;
    }

    public static TestCore start(List<CoreModule> modules) {
        return start(modules, Map.of());
    }

    /** {@code env} adds to the configuration, e.g. OMNIGLASS_PG_URL / OMNIGLASS_NATS_URL of a {@link TestInfra}. */
    public static TestCore start(List<CoreModule> modules, Map<String, String> env) {
        try {
            Path dir = Files.createTempDirectory("og-test-core-");
            Map<String, String> all = new HashMap<>(env);
            all.put("OMNIGLASS_DATA_DIR", dir.toString());
            all.put("OMNIGLASS_HTTP_PORT", "0");
            OmniglassConfig cfg = OmniglassConfig.load(Optional.empty(), all);
            return new TestCore(dir, new CoreService(modules).start(cfg));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public CoreService core() {
        return core;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String httpUrl() {
        return core.httpUrl();
    }

    public String adminToken() {
        return core.context().dataDir().readAdminToken().orElseThrow();
    }

    public OmniglassClient admin() {
        return new OmniglassClient(httpUrl(), adminToken());
    }

    public OmniglassClient client(String token) {
        return new OmniglassClient(httpUrl(), token);
    }

    public Tenant createTenant(String slug) {
        return core.context().provisioner().create(slug, slug, "test");
    }

    @Override
    public void close() {
        core.close();
        TestFiles.deleteQuietly(dataDir);
    }
}

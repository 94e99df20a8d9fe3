package io.omniglass.core.lifecycle;

import io.omniglass.core.CoreContext;

import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The cold tier of one core: the files' root ({@code $OMNIGLASS_DATA_DIR/cold}) and the DuckDB
 * that writes and reads them, started on first use. Shared by the upkeep and the read paths
 * (history, aggregates), one per core like the gateway.
 */
public final class ColdTier {

    private static final Map<CoreContext, ColdTier> BY_CORE = new IdentityHashMap<>();

    private final Path root;
    private volatile ColdEngine engine;

    private ColdTier(CoreContext core) {
        this.root = core.dataDir().root().resolve("cold");
    }

    public static ColdTier forCore(CoreContext core) {
        synchronized (BY_CORE) {
            return BY_CORE.computeIfAbsent(core, ColdTier::new);
        }
    }

    static void release(CoreContext core) {
        ColdTier t;
        synchronized (BY_CORE) {
            t = BY_CORE.remove(core);
        }
        if (t != null && t.engine != null) {
            t.engine.close();
        }
    }

    public Path root() {
        return root;
    }

    public ColdEngine engine() {
        ColdEngine e = engine;
        if (e == null) {
            synchronized (this) {
                if (engine == null) {
                    engine = new ColdEngine();
                }
                e = engine;
            }
        }
        return e;
    }
}

package io.omniglass.core.runtime;

import java.util.Locale;

/**
 * Every setting of the core: its environment variable, its config-file key, its default as the
 * table shows it and what it does. The README's settings table is this list
 * ({@code ConfigurationTest} fails when they differ); {@link OmniglassConfig} reads and checks
 * each one.
 */
public enum Setting {
    DATA_DIR("OMNIGLASS_DATA_DIR", "`~/.local/share/omniglass`",
            "embedded Postgres data, NATS store, `admin.token`, `postgres.password`, `nats/core.password` (mode 0600; the directory 0700), `endpoints.json`"),
    PG_URL("OMNIGLASS_PG_URL", "embedded",
            "JDBC URL of the control database on an external server (created if missing); tenant databases go on the same server"),
    PG_USER("OMNIGLASS_PG_USER", "`postgres`",
            "the role the core connects as to an external Postgres (with `OMNIGLASS_PG_URL`; the embedded one has its own)"),
    PG_PASSWORD("OMNIGLASS_PG_PASSWORD", "`postgres`",
            "that role's password (the embedded Postgres generates one into `postgres.password`)"),
    PG_EMBEDDED_TENANTS("OMNIGLASS_PG_EMBEDDED_TENANTS", "`20`",
            "with the embedded Postgres: tenants per server. When every server holds this many, the next tenant goes on a further embedded server of the data dir (`postgres/servers/embedded-N`, started and stopped with the core), so each server's CDC slots read only its own WAL ([docs/fleet.md](docs/fleet.md#twelfth-session-a-fleet-on-several-embedded-postgres-servers)); `0`: every tenant on the one server"),
    NATS_URL("OMNIGLASS_NATS_URL", "embedded",
            "an external NATS (JetStream enabled); several servers of a cluster comma-separated (`nats://og-core:PW@n1:4222,nats://og-core:PW@n2:4222,...`): the core fails over between them ([docs/cluster.md](docs/cluster.md))"),
    NATS_REPLICAS("OMNIGLASS_NATS_REPLICAS", "`1`",
            "replicas of every stream and KV bucket the core creates (consumers follow their stream); `3` on a 3-node cluster (`packaging/core/`); existing ones are scaled when it changes; above 1 needs `OMNIGLASS_NATS_URL`"),
    HTTP_PORT("OMNIGLASS_HTTP_PORT", "`8686`", "the HTTP API (0: any free port)"),
    HTTP_HOST("OMNIGLASS_HTTP_HOST", "`127.0.0.1`",
            "the address the HTTP API listens on (`0.0.0.0` for consoles on other machines: put TLS in front)"),
    SECRET_KEY("OMNIGLASS_SECRET_KEY", "`secret.key` in the data dir",
            "base64 of 32 bytes sealing secret variables; the same on every core sharing a database"),
    HTTP_TLS_CERT("OMNIGLASS_HTTP_TLS_CERT", "none (plain HTTP)",
            "PEM certificate chain: the API serves HTTPS only; consoles verify it by a trust file or a pinned SHA-256 fingerprint ([docs/security.md](docs/security.md)); set with `OMNIGLASS_HTTP_TLS_KEY`"),
    HTTP_TLS_KEY("OMNIGLASS_HTTP_TLS_KEY", "none (plain HTTP)", "the certificate's PKCS#8 key (RSA or EC), PEM"),
    NATS_SERVER_BIN("NATS_SERVER_BIN", "a 2.10+ `nats-server` on `PATH`, else `packaging/nats-server/target/bin/nats-server`",
            "the binary for the embedded NATS (refused when older than 2.10)"),
    NATS_AUTH_FILE("OMNIGLASS_NATS_AUTH_FILE", "none",
            "with an external NATS: the authorization file the core regenerates on every device change (the server includes it and reloads; see `packaging/core/`)"),
    LANE_WORKERS("OMNIGLASS_LANE_WORKERS", "max(8, 2 x cores)",
            "shared workers that run every tenant's sink, rules and action batches, round-robin ([docs/fleet.md](docs/fleet.md))"),
    NATS_LANE_CONNECTIONS("OMNIGLASS_NATS_LANE_CONNECTIONS", "`2`",
            "NATS connections for the lanes' bulk traffic, apart from the control connection"),
    PG_SYSTEM_CONNECTIONS("OMNIGLASS_PG_SYSTEM_CONNECTIONS", "`48`",
            "tenant-database connections the core's own work (sink, rules, CDC) may use at once, all tenants together"),
    PG_HTTP_CONNECTIONS("OMNIGLASS_PG_HTTP_CONNECTIONS", "`24`",
            "the same for HTTP requests (a pool of their own, so reads cannot starve ingestion)"),
    PG_TENANT_POOL("OMNIGLASS_PG_TENANT_POOL", "`8`",
            "the largest pool of one tenant's database for the core's own work (its HTTP pool is half of it, at least 2), within the budgets above"),
    PG_CONNECTION_TIMEOUT_MS("OMNIGLASS_PG_CONNECTION_TIMEOUT_MS", "`5000`",
            "how long a borrow from a tenant pool waits for a connection (250 or more): a server that does not answer holds a shared worker no longer than this, and is then probed and refused at once until it answers ([docs/cluster.md](docs/cluster.md#a-server-down-degrades-only-its-tenants))"),
    HTTP_STATEMENT_TIMEOUT_MS("OMNIGLASS_HTTP_STATEMENT_TIMEOUT_MS", "`30000`",
            "statement timeout of HTTP work (an idle transaction of a stalled stream ends after max(this, 60 s))"),
    PG_SOCKET_TIMEOUT_MS("OMNIGLASS_PG_SOCKET_TIMEOUT_MS", "`60000`",
            "how long a request's tenant-database connection (HTTP and replica pools) waits on a server that sends nothing (1000 or more; at least the HTTP statement timeout plus 5 s is used, so a slow statement is ended by its timeout first): the request then answers 503 instead of hanging. The core's own work (sink COPY, migrations, tiering) is not bounded by it, since its statements may legitimately run long ([docs/pools.md](docs/pools.md))"),
    SINK_BATCH_ROWS("OMNIGLASS_SINK_BATCH_ROWS", "`20000`",
            "the sink closes a batch at this many datapoints"),
    SINK_BATCH_WAIT_MS("OMNIGLASS_SINK_BATCH_WAIT_MS", "`200`",
            "... or this long after its first message, whichever comes first: a live tenant's sink and rules wait this long for its first queued message to have company, so its datapoints commit together (a tenant that is behind never waits)"),
    SINK_ACK_WAIT_S("OMNIGLASS_SINK_ACK_WAIT_S", "`60`",
            "how long JetStream waits for the sink's ack before redelivering (must outlast the slowest batch commit)"),
    CDC_SESSIONS("OMNIGLASS_CDC_SESSIONS", "`8`",
            "replication sessions per core serving every tenant's slot (1 to 64); up to twice as many while commits wait ([docs/cdc.md](docs/cdc.md#guarantees))"),
    CDC_OPEN_SESSIONS("OMNIGLASS_CDC_OPEN_SESSIONS", "`64`",
            "replication connections a core keeps open after a commit drain, for tenants expected to drain again soon, so their next drain skips the connect: each for twice its tenant's interval between commits, at most 30 s, and 2 s for a tenant with no interval yet (0 to 200; each holds a walsender, which reads the server's whole WAL while it waits; an external Postgres' `max_wal_senders` must allow them plus twice `OMNIGLASS_CDC_SESSIONS`)"),
    CDC_SKIP_BEHIND_MB("OMNIGLASS_CDC_SKIP_BEHIND_MB", "`64`",
            "an idle tenant's slot this far behind (WAL of other databases, as a rule) is replaced by a new one at the current position instead of decoding it, when its record lane was not written meanwhile (`0`: never; [docs/cdc.md](docs/cdc.md#skipping-other-databases-wal))"),
    CDC_SWEEP_SECONDS("OMNIGLASS_CDC_SWEEP_SECONDS", "`10`",
            "how often a core looks for writes that did not come through it (psql, other applications) and drains those slots"),
    LIFECYCLE_INTERVAL("OMNIGLASS_LIFECYCLE_INTERVAL", "`1h`",
            "how often each core runs the partition upkeep of its tenants (one shared thread; a tenant's run takes its lease)"),
    REPLICA_MAX_LAG("OMNIGLASS_REPLICA_MAX_LAG", "`5s`",
            "history, aggregates and fleet current-value reads go to a read replica of the tenant's server at most this far behind, else to the primary (`0`: always the primary; [docs/cluster.md](docs/cluster.md#read-replicas))"),
    LIFECYCLE_LEASE_TTL("OMNIGLASS_LIFECYCLE_LEASE_TTL", "`600` (seconds)",
            "how long a dead core's upkeep lease blocks the tenant (the KV bucket's max age, set when it is created)"),
    CONSOLE("OMNIGLASS_CONSOLE", "`1`", "`0`: `demo` does not open the console even when a display is present", true),
    LAUNCHER("OMNIGLASS_LAUNCHER", "set by `./omniglass`", "the launcher `demo` starts the console with", true);

    private final String env;
    private final String defaultText;
    private final String description;
    /** Read by the launcher's side of {@code demo} from its own environment, not by the core. */
    private final boolean environmentOnly;

    Setting(String env, String defaultText, String description) {
        this(env, defaultText, description, false);
    }

    Setting(String env, String defaultText, String description, boolean environmentOnly) {
        this.env = env;
        this.defaultText = defaultText;
        this.description = description;
        this.environmentOnly = environmentOnly;
    }

    /** The environment variable. */
    public String env() {
        return env;
    }

    /** The key in the {@code --config} YAML file: the variable in lower case without {@code OMNIGLASS_}. */
    public String key() {
        return env.replaceFirst("^OMNIGLASS_", "").toLowerCase(Locale.ROOT);
    }

    public String defaultText() {
        return defaultText;
    }

    public String description() {
        return description;
    }

    /** The setting's row of the README's table. */
    public String tableRow() {
        return "| `" + env + "` | " + (environmentOnly ? "(environment only)" : "`" + key() + "`") + " | " + defaultText + " | " + description + " |";
    }
}

package io.omniglass.core.tenancy;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.secrets.SecretBox;
import io.omniglass.schema.control.enums.PgServerState;
import io.omniglass.schema.control.tables.records.PgServerRecord;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

import static io.omniglass.schema.control.Tables.AUDIT_LOG;
import static io.omniglass.schema.control.Tables.PG_SERVER;
import static io.omniglass.schema.control.Tables.TENANT;

/**
 * The Postgres servers tenants live on (the {@code pg_server} rows of the control database) and
 * where a new tenant goes. The control server is {@link #DEFAULT}, with the core's own
 * credentials; every other server's password is sealed with the core's secret key, never kept in
 * clear and never shown. A replica names its primary and takes only reads.
 */
public final class ServerRegistry implements ServerDirectory {

    /** The control server: where the control database (and every tenant made before servers) lives. */
    public static final String DEFAULT = "default";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    private static final int CHECK_TIMEOUT_S = 5;

    /** A registered server as the registry shows it: never its password. */
    public record Server(String name, String jdbcUrl, String user, String replicaOf, String state, OffsetDateTime createdAt) {
        public boolean primary() {
            return replicaOf == null;
        }

        public boolean draining() {
            return "draining".equals(state);
        }
    }

    /** A request about servers that cannot be honoured; the message says why. */
    public static final class InvalidServerException extends Tenant.InvalidTenantException {
        public InvalidServerException(String message) {
            super(message);
        }
    }

    public static final class DuplicateServerException extends RuntimeException {
        public DuplicateServerException(String message) {
            super(message);
        }
    }

    /**
     * Asked before a tenant is placed without a named server: it may register one more server (the
     * embedded default grows this way, {@link EmbeddedServerSupply}).
     */
    public interface Growth {
        void beforePlacement(ServerRegistry registry);
    }

    private final DSLContext control;
    private final SecretBox box;
    private final PgServer controlServer;
    private volatile Growth growth = registry -> { };

    public ServerRegistry(DSLContext control, SecretBox box, PgServer controlServer) {
        this.control = control;
        this.box = box;
        this.controlServer = controlServer;
    }

    /**
     * Registers the control server as {@link #DEFAULT}, or brings its address up to date (an
     * embedded server gets a new port at each start); every core does at start. Its credentials
     * are never stored: they are the core's own.
     */
    public void ensureDefault() {
        String url = controlServer.publicJdbcUrl("");
        control.insertInto(PG_SERVER)
                .set(PG_SERVER.NAME, DEFAULT)
                .set(PG_SERVER.JDBC_URL, url)
                .onConflict(PG_SERVER.NAME).doUpdate()
                .set(PG_SERVER.JDBC_URL, url)
                .where(PG_SERVER.JDBC_URL.ne(url))
                .execute();
    }

    public void growWith(Growth growth) {
        this.growth = growth;
    }

    public Growth growth() {
        return growth;
    }

    /**
     * Registers a server the core runs itself (an embedded one: the core's own credentials, never
     * stored), audited as the core's; or brings its address up to date, as {@link #ensureDefault}.
     */
    public void ensureOwn(String name, String jdbcUrl) {
        String url = PgServer.parse(jdbcUrl, "", "").publicJdbcUrl("");
        control.transaction(tx -> {
            int added = tx.dsl().insertInto(PG_SERVER)
                    .set(PG_SERVER.NAME, name)
                    .set(PG_SERVER.JDBC_URL, url)
                    .onConflict(PG_SERVER.NAME).doNothing()
                    .execute();
            if (added == 1) {
                AuditTrail.CONTROL.write(tx.dsl(), AuditActor.named("core"), "server.add", "server:" + name, null,
                        Map.of("name", name, "jdbc_url", url, "embedded", true));
            } else {
                tx.dsl().update(PG_SERVER).set(PG_SERVER.JDBC_URL, url)
                        .where(PG_SERVER.NAME.eq(name)).and(PG_SERVER.JDBC_URL.ne(url)).execute();
            }
        });
    }

    public List<Server> list() {
        return control.selectFrom(PG_SERVER).orderBy(PG_SERVER.NAME).fetch(ServerRegistry::toServer);
    }

    public Optional<Server> find(String name) {
        return control.selectFrom(PG_SERVER).where(PG_SERVER.NAME.eq(name)).fetchOptional(ServerRegistry::toServer);
    }

    /** Tenants per server ({@code NULL} server names counted on {@link #DEFAULT}). */
    public Map<String, Integer> tenantCounts() {
        var server = DSL.coalesce(TENANT.SERVER_NAME, DSL.inline(DEFAULT));
        return control.select(server, DSL.count()).from(TENANT).groupBy(server)
                .fetchMap(r -> r.value1(), r -> r.value2());
    }

    /** The replicas registered for {@code primary}. */
    public List<Server> replicasOf(String primary) {
        return control.selectFrom(PG_SERVER).where(PG_SERVER.REPLICA_OF.eq(primary)).orderBy(PG_SERVER.NAME)
                .fetch(ServerRegistry::toServer);
    }

    @Override
    public List<String> replicaNames(String primary) {
        return replicasOf(primary).stream().map(Server::name).toList();
    }

    /** The server with its credentials: for connecting, never for showing. */
    @Override
    public PgServer connection(String name) {
        if (DEFAULT.equals(name)) {
            return controlServer;
        }
        PgServerRecord r = control.selectFrom(PG_SERVER).where(PG_SERVER.NAME.eq(name)).fetchOptional()
                .orElseThrow(() -> new InvalidServerException("no server '" + name + "' is registered"));
        String password = r.getPasswordSealed() == null ? controlServer.password() : box.open(r.getPasswordSealed(), identity(name));
        String user = r.getUsername() == null ? controlServer.user() : r.getUsername();
        return PgServer.parse(r.getJdbcUrl(), user, password);
    }

    /**
     * Where a new tenant goes: {@code requested} if it names an active primary, else the active
     * primary with the fewest tenants (ties by name). A drained server and a replica take none.
     */
    public String place(Optional<String> requested) {
        if (requested.isPresent() && !requested.get().isBlank()) {
            String name = requested.get().strip();
            Server s = find(name).orElseThrow(() -> new InvalidServerException("no server '" + name + "' is registered (see 'server list')"));
            if (!s.primary()) {
                throw new InvalidServerException("server '" + name + "' is a read replica of '" + s.replicaOf() + "': tenants go on primaries");
            }
            if (s.draining()) {
                throw new InvalidServerException("server '" + name + "' is drained: it takes no new tenants");
            }
            return name;
        }
        growth.beforePlacement(this);
        Map<String, Integer> counts = tenantCounts();
        return list().stream()
                .filter(s -> s.primary() && !s.draining())
                .min(Comparator.<Server>comparingInt(s -> counts.getOrDefault(s.name(), 0)).thenComparing(Server::name))
                .map(Server::name)
                .orElseThrow(() -> new InvalidServerException("every server is drained: add one ('server add') before creating tenants"));
    }

    /**
     * Registers a server after connecting to it with the given credentials: a primary must have
     * {@code wal_level = logical} (every tenant has a CDC slot) and a user that may create
     * databases; a replica must be in recovery. The password is sealed before it is stored.
     */
    public Server add(String name, String jdbcUrl, String user, String password, String replicaOf, AuditActor actor) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidServerException("invalid server name '" + name
                    + "': use a lower-case letter followed by up to 62 lower-case letters, digits, '_' or '-'");
        }
        PgServer given;
        try {
            given = PgServer.parse(jdbcUrl == null ? "" : jdbcUrl.strip(), user, password);
        } catch (IllegalArgumentException e) {
            throw new InvalidServerException("JDBC_URL must look like jdbc:postgresql://HOST:PORT/ (" + e.getMessage() + ")");
        }
        if (given.host() == null || given.host().isBlank()) {
            throw new InvalidServerException("JDBC_URL names no host: jdbc:postgresql://HOST:PORT/");
        }
        if (given.user() == null || given.user().isBlank()) {
            throw new InvalidServerException("name the server's user (--user or user= in the URL)");
        }
        if (find(name).isPresent()) {
            throw new DuplicateServerException("server '" + name + "' is already registered");
        }
        if (replicaOf != null) {
            Server primary = find(replicaOf).orElseThrow(() -> new InvalidServerException("no server '" + replicaOf + "' to be a replica of"));
            if (!primary.primary()) {
                throw new InvalidServerException("'" + replicaOf + "' is itself a replica: name its primary");
            }
        }
        check(name, given, replicaOf != null);
        for (Server s : list()) {
            PgServer known = PgServer.parse(s.jdbcUrl(), "", "");
            if (known.host().equalsIgnoreCase(given.host()) && known.port() == given.port()) {
                // one server under two names would hide its real load from placement
                throw new DuplicateServerException(given.host() + ":" + given.port() + " is already registered as '" + s.name() + "'");
            }
        }
        String url = given.publicJdbcUrl("");
        control.transaction(tx -> {
            tx.dsl().insertInto(PG_SERVER)
                    .set(PG_SERVER.NAME, name)
                    .set(PG_SERVER.JDBC_URL, url)
                    .set(PG_SERVER.USERNAME, given.user())
                    .set(PG_SERVER.PASSWORD_SEALED, given.password() == null ? null : box.seal(given.password(), identity(name)))
                    .set(PG_SERVER.REPLICA_OF, replicaOf)
                    .execute();
            java.util.Map<String, Object> added = new java.util.LinkedHashMap<>();
            added.put("name", name);
            added.put("jdbc_url", url);
            added.put("user", given.user());
            added.put("replica_of", replicaOf);
            AuditTrail.CONTROL.write(tx.dsl(), actor, "server.add", "server:" + name, null, added);
        });
        return find(name).orElseThrow();
    }

    /** Marks a server as taking no new tenants (audited); its tenants stay. Idempotent. */
    public Server drain(String name, AuditActor actor) {
        Server s = find(name).orElseThrow(() -> new InvalidServerException("no server '" + name + "' is registered"));
        if (s.draining()) {
            return s;
        }
        control.transaction(tx -> {
            tx.dsl().update(PG_SERVER)
                    .set(PG_SERVER.STATE, PgServerState.draining)
                    .set(PG_SERVER.UPDATED_AT, OffsetDateTime.now())
                    .where(PG_SERVER.NAME.eq(name))
                    .execute();
            AuditTrail.CONTROL.write(tx.dsl(), actor, "server.drain", "server:" + name,
                    java.util.Map.of("state", "active"), java.util.Map.of("state", "draining"));
        });
        return find(name).orElseThrow();
    }

    private static void check(String name, PgServer server, boolean replica) {
        Properties props = new Properties();
        props.setProperty("user", server.user());
        if (server.password() != null) {
            props.setProperty("password", server.password());
        }
        props.setProperty("connectTimeout", Integer.toString(CHECK_TIMEOUT_S));
        props.setProperty("socketTimeout", Integer.toString(CHECK_TIMEOUT_S * 2));
        props.setProperty("ApplicationName", "omniglass-core server check");
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), props);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('wal_level'), pg_is_in_recovery(),"
                     + " (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user)")) {
            rs.next();
            boolean inRecovery = rs.getBoolean(2);
            if (replica && !inRecovery) {
                throw new InvalidServerException("server '" + name + "' is not in recovery: a read replica is a standby of its primary");
            }
            if (!replica) {
                if (inRecovery) {
                    throw new InvalidServerException("server '" + name + "' is a standby: register it with --replica-of PRIMARY");
                }
                if (!"logical".equals(rs.getString(1))) {
                    throw new InvalidServerException("server '" + name + "' has wal_level=" + rs.getString(1)
                            + ": tenants need wal_level=logical (their change feed is a logical slot)");
                }
                if (!rs.getBoolean(3)) {
                    throw new InvalidServerException("user '" + server.user() + "' may not create databases on server '" + name + "'");
                }
            }
        } catch (SQLException e) {
            throw new InvalidServerException("cannot reach server '" + name + "' at " + server.publicJdbcUrl("postgres")
                    + ": " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String m) {
        String s = String.valueOf(m);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static String identity(String name) {
        return "pg_server:" + name;
    }

    private static Server toServer(PgServerRecord r) {
        return new Server(r.getName(), r.getJdbcUrl(), r.getUsername(), r.getReplicaOf(), r.getState().getLiteral(), r.getCreatedAt());
    }
}

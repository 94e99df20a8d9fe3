package io.omniglass.core.tenancy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.omniglass.core.runtime.PgServer;

import javax.sql.DataSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One small connection pool per tenant database, on the server the registry names for it. */
public final class TenantDatabases implements AutoCloseable {

    private final PgServer defaultServer;
    private final int poolSize;
    private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();

    public TenantDatabases(PgServer defaultServer, int poolSize) {
        this.defaultServer = defaultServer;
        this.poolSize = poolSize;
    }

    public PgServer server(Tenant tenant) {
        return tenant.serverUrl() == null
                ? defaultServer
                : PgServer.parse(tenant.serverUrl(), defaultServer.user(), defaultServer.password());
    }

    public String jdbcUrl(Tenant tenant) {
        return server(tenant).jdbcUrl(tenant.databaseName());
    }

    public DataSource dataSource(Tenant tenant) {
        return pools.computeIfAbsent(tenant.slug(), s -> pool(server(tenant), tenant.databaseName(), "og-" + s, poolSize));
    }

    public static HikariDataSource pool(PgServer server, String database, String name, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(server.jdbcUrl(database));
        hc.setUsername(server.user());
        hc.setPassword(server.password());
        hc.setPoolName(name);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(30_000);
        hc.addDataSourceProperty("reWriteBatchedInserts", "true");
        hc.addDataSourceProperty("ApplicationName", "omniglass-core");
        return new HikariDataSource(hc);
    }

    public void evict(String slug) {
        HikariDataSource ds = pools.remove(slug);
        if (ds != null) {
            ds.close();
        }
    }

    @Override
    public void close() {
        pools.values().forEach(HikariDataSource::close);
        pools.clear();
    }
}

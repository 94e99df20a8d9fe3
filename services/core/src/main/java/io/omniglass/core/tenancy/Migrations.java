package io.omniglass.core.tenancy;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/** Flyway over the migrations in resources/db: the one schema authority. */
public final class Migrations {

    /**
     * The tenant migrations this build ships, as the versions Flyway applied to the first tenant
     * this process migrated: a tenant whose history lists exactly these is current, and its start
     * skips Flyway (scanning, validating and locking, a few hundred ms a tenant, times 200 at a
     * fleet's start). Null until a full migrate has run.
     */
    private static volatile String shippedTenantVersions;

    private Migrations() {
    }

    public static MigrateResult migrateControl(DataSource control) {
        return flyway(control, "control").migrate();
    }

    public static MigrateResult migrateTenant(DataSource tenant) {
        Flyway flyway = flyway(tenant, "tenant");
        MigrateResult r = flyway.migrate();
        if (shippedTenantVersions == null) {
            shippedTenantVersions = versions(flyway.info().all());
        }
        return r;
    }

    /**
     * Migrates a tenant at a core's start: when its history already lists every shipped version
     * (one query) nothing is done; otherwise a full Flyway migrate. True when it was current.
     */
    public static boolean migrateTenantIfBehind(DataSource tenant) {
        String shipped = shippedTenantVersions;
        if (shipped != null && shipped.equals(appliedVersions(tenant))) {
            return true;
        }
        migrateTenant(tenant);
        return false;
    }

    private static String versions(MigrationInfo[] all) {
        return Arrays.stream(all)
                .filter(i -> i.getVersion() != null && i.getState().isApplied() && !i.getState().isFailed())
                .map(i -> i.getVersion().getVersion())
                .collect(Collectors.joining(","));
    }

    private static String appliedVersions(DataSource ds) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history"
                     + " WHERE success AND version IS NOT NULL")) {
            return rs.next() ? Objects.toString(rs.getString(1), "") : "";
        } catch (SQLException e) {
            return null; // no history table (a new database) or unreadable: the full migrate decides
        }
    }

    private static Flyway flyway(DataSource ds, String which) {
        return Flyway.configure()
                .dataSource(ds)
                .locations("classpath:omniglass/db/" + which)
                // several core instances may start at once: Flyway takes an advisory lock
                .lockRetryCount(120)
                .load();
    }
}

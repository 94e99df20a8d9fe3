package io.omniglass.core.tenancy;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import javax.sql.DataSource;

/** Flyway over the migrations in resources/db: the one schema authority. */
public final class Migrations {

    private Migrations() {
    }

    public static MigrateResult migrateControl(DataSource control) {
        return migrate(control, "control");
    }

    public static MigrateResult migrateTenant(DataSource tenant) {
        return migrate(tenant, "tenant");
    }

    private static MigrateResult migrate(DataSource ds, String which) {
        return Flyway.configure()
                .dataSource(ds)
                .locations("classpath:omniglass/db/" + which)
                // several core instances may start at once: Flyway takes an advisory lock
                .lockRetryCount(120)
                .load()
                .migrate();
    }
}

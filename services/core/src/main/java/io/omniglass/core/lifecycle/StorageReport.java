package io.omniglass.core.lifecycle;

import io.omniglass.api.StorageInfo;
import io.javalin.http.Context;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.http.Auth;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.util.List;

import static io.omniglass.schema.tenant.Tables.COLD_FILE;

/**
 * {@code GET /api/v1/tenants/{t}/storage}: per append-only table, the hot side (bytes of heap and
 * indexes over all partitions, rows as the planner estimates them, partition days) and the cold
 * side (manifest files, rows and bytes, exact), plus where the cold tier ends and hot begins.
 * A tenant-wide token only (a scoped one would learn the sizes of what it cannot see).
 */
final class StorageReport {

    private StorageReport() {
    }

    static void answer(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_ENTITIES);
        s.requireTenantWideScope(); // sizes are the whole tenant's
        ctx.json(new StorageInfo(s.tenant().slug(), s.read(tx -> {
            List<StorageInfo.TableStorageInfo> out = new java.util.ArrayList<>();
            for (String table : RetentionCascade.TABLES) {
                Record hot = tx.resultQuery("""
                        SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes,
                               coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS rows,
                               count(*) FILTER (WHERE c.oid <> p.oid) AS partitions,
                               min(substring(c.relname from '_p(\\d{8})$')) AS oldest
                        FROM pg_class p
                        LEFT JOIN pg_inherits i ON i.inhparent = p.oid
                        JOIN pg_class c ON c.oid = coalesce(i.inhrelid, p.oid)
                        WHERE p.oid = to_regclass({0})""", DSL.val(table)).fetchOne();
                Record cold = tx.select(DSL.count().as("files"), DSL.coalesce(DSL.sum(COLD_FILE.ROW_COUNT), 0L).as("rows"),
                                // the hourly rollups are part of what the cold tier takes on disk
                                DSL.coalesce(DSL.sum(COLD_FILE.BYTES.plus(DSL.coalesce(COLD_FILE.ROLLUP_BYTES, 0L))), 0L).as("bytes"),
                                DSL.min(COLD_FILE.DAY).as("oldest"), DSL.max(COLD_FILE.DAY).as("newest"))
                        .from(COLD_FILE).where(COLD_FILE.TABLE_NAME.eq(table)).fetchOne();
                String oldest = hot.get("oldest", String.class);
                out.add(new StorageInfo.TableStorageInfo(table,
                        hot.get("bytes", Long.class),
                        hot.get("rows", Long.class),
                        hot.get("partitions", Long.class),
                        oldest == null ? null
                                : java.time.LocalDate.parse(oldest, java.time.format.DateTimeFormatter.BASIC_ISO_DATE).toString(),
                        cold.get("files", Integer.class),
                        cold.get("rows", Long.class),
                        cold.get("bytes", Long.class),
                        cold.get("oldest") == null ? null : cold.get("oldest").toString(),
                        cold.get("newest") == null ? null : cold.get("newest").toString()));
            }
            return out;
        })));
    }
}

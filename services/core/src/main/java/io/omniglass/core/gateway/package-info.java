/**
 * The Storage Gateway: every application read and write of a tenant database goes through here.
 *
 * <h2>Adding a scoped endpoint (e.g. acknowledging an alarm)</h2>
 * <pre>{@code
 * app.post("/api/v1/tenants/{t}/alarms/{id}:ack", ctx -> {
 *     Principal p = Auth.principal(ctx);
 *     // 404 if the tenant is not the token's, 403 if the role lacks ACK
 *     GatewaySession s = Gateway.forCore(core).scoped(p, ctx.pathParam("t"), Action.ACK);
 *     long id = HttpParams.pathLong(ctx, "id");
 *     AlarmRecord updated = s.transaction(tx -> {
 *         AlarmRecord old = tx.selectFrom(ALARM)
 *                 .where(ALARM.ID.eq(id).and(s.visible(OwnerColumns.ALARM_OWNER)))
 *                 .forUpdate().fetchOptional()
 *                 .orElseThrow(() -> GatewayException.notFound("no alarm " + id)); // out of scope looks missing
 *         int n = tx.update(ALARM).set(ALARM.ACKED, true) ... 
 *                 .where(ALARM.ID.eq(id).and(s.visible(OwnerColumns.ALARM_OWNER))).execute();
 *         GatewaySession.requireAffected(n, "alarm " + id);                   // 0 rows is never a success
 *         s.audit(tx, "alarm.ack", "alarm:" + id, oldJson, newJson);          // same transaction
 *         return ...;
 *     });
 *     ctx.json(...);
 * });
 * }</pre>
 * <ul>
 *   <li>{@link io.omniglass.core.gateway.Gateway#scoped} checks tenant (404) and role (403) for the
 *       {@link io.omniglass.core.gateway.Action}; {@link io.omniglass.core.gateway.Gateway#system}
 *       is for the core's own work.</li>
 *   <li>Put {@code s.visible(OwnerColumns.X_OWNER)} (arc columns) or {@code s.visibleOwnerText(owner)}
 *       into every WHERE clause of an owner-bearing table; row-level security (tenant migration V30)
 *       enforces the same scope underneath, so a forgotten predicate narrows nothing but leaks nothing.</li>
 *   <li>Filters: {@code Filter.parse(ctx.queryParam("filter"), ResourceFields.ALARMS)} gives a
 *       Condition or a {@link io.omniglass.core.gateway.FilterException} (mapped to 400 with the position).</li>
 *   <li>Pagination: {@code Keyset k = Keyset.ascending(ALARM.ID)}; {@code .where(k.after(ctx.queryParam("after")))
 *       .orderBy(k.orderBy()).limit(limit + 1)}; if a row beyond the limit came back, {@code next =
 *       Keyset.cursor(lastRow.getId())}. {@code Keyset.limit(param, default, max)} parses limits.</li>
 *   <li>Timing: every statement run on the {@code tx} of a session is recorded in the latency
 *       telemetry under (tenant, action, hour); nothing to do.</li>
 *   <li>Errors: throw {@link io.omniglass.core.gateway.GatewayException} (HTTP maps it to 400/403/404); database errors never reach the
 *       caller (constraint violations map to 400/409, anything else to a 500 without details).</li>
 * </ul>
 */
package io.omniglass.core.gateway;

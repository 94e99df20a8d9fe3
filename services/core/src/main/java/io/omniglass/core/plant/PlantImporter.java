package io.omniglass.core.plant;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.FusionPolicy;
import io.omniglass.schema.tenant.enums.RegistryScope;
import io.omniglass.schema.tenant.tables.records.DatapointTypeRecord;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

import javax.sql.DataSource;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;

import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.COMPONENT_TYPE;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.LOCATION;
import static io.omniglass.schema.tenant.Tables.NODE;
import static io.omniglass.schema.tenant.Tables.SYSTEM;
import static io.omniglass.schema.tenant.Tables.SYSTEM_MEMBER;
import static org.jooq.impl.DSL.excluded;

/**
 * Loads a plant description into a tenant database idempotently, in one transaction with one
 * audit_log row: importing the same file twice changes nothing; a changed file updates names,
 * placement and descriptions. Official keys are never altered; org keys may not change kind.
 */
public final class PlantImporter {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final DataSource tenantDb;

    /** Over a database the caller holds (the tests' fixtures); the core's own imports take a system session. */
    public PlantImporter(DataSource tenantDb) {
        this.tenantDb = tenantDb;
    }

    /** Imports; returns the counts per section. IllegalArgumentException says what is wrong with the file. */
    public Map<String, Object> importPlant(JsonNode tree, String actor, String tenant) {
        return importInto(io.omniglass.core.cdc.CdcWakeups.wakingDsl(tenantDb, tenant), tree, AuditActor.named(actor), tenant);
    }

    /** The core's own import (the demo plant, benchmarks): a system session, the audit row under {@code actor}. */
    public static Map<String, Object> importPlant(io.omniglass.core.gateway.GatewaySession system, JsonNode tree, String actor) {
        return importInto(system.dsl(), tree, AuditActor.named(actor), system.tenant().slug());
    }

    private static Map<String, Object> importInto(DSLContext db, JsonNode tree, AuditActor actor, String tenant) {
        PlantDescription plant = PlantDescription.fromTree(tree);
        validate(plant);
        return explained(() -> db.transactionResult(cfg -> {
            Map<String, Object> counts = apply(cfg.dsl(), plant, actor);
            audit(cfg.dsl(), actor, tenant, counts);
            return counts;
        }));
    }

    /**
     * An operator's import: through the Storage Gateway, so the session's scope check, telemetry and
     * audit attribution (principal id) apply. A plant is the whole tenant's structure: only a token
     * scoped to the whole tenant may load one (403 otherwise).
     */
    public static Map<String, Object> importPlant(io.omniglass.core.gateway.GatewaySession s, JsonNode tree) {
        s.requireTenantWideScope();
        PlantDescription plant = PlantDescription.fromTree(tree);
        validate(plant);
        return explained(() -> s.transaction(tx -> {
            Map<String, Object> counts = apply(tx, plant, AuditActor.of(s.principal()));
            s.audit(tx, "plant.import", "tenant:" + s.tenant().slug(), null, counts);
            return counts;
        }));
    }

    private static Map<String, Object> explained(java.util.function.Supplier<Map<String, Object>> work) {
        try {
            return work.get();
        } catch (DataAccessException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            String msg = e.getMessage();
            int at = msg.indexOf("ERROR:");
            throw new IllegalArgumentException("the plant description does not fit this tenant: "
                    + (at >= 0 ? msg.substring(at + 6).trim().split("\n")[0] : msg));
        }
    }

    private static void validate(PlantDescription p) {
        p.locations().forEach(l -> name("location", l.name()));
        p.systems().forEach(s -> name("system", s.name()));
        p.components().forEach(c -> name("component", c.name()));
        p.nodes().forEach(n -> name("node", n.name()));
        for (PlantDescription.DatapointType t : p.datapointTypes()) {
            if (t.name() == null || !t.name().matches("[A-Za-z][A-Za-z0-9_.-]{0,127}")) {
                throw new IllegalArgumentException("datapoint type name '" + t.name() + "' is invalid");
            }
            kind(t);
            fusion(t);
        }
    }

    private static void name(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name '" + name + "' is invalid (letters, digits, _ . -; up to 128)");
        }
    }

    private static DatapointKind kind(PlantDescription.DatapointType t) {
        try {
            return DatapointKind.valueOf(t.kind() == null ? "" : t.kind());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("datapoint type " + t.name() + ": kind must be metric, state or log");
        }
    }

    private static FusionPolicy fusion(PlantDescription.DatapointType t) {
        try {
            FusionPolicy f = FusionPolicy.valueOf(t.fusionPolicy() == null ? "latest" : t.fusionPolicy());
            if (f != FusionPolicy.latest && kind(t) != DatapointKind.metric) {
                throw new IllegalArgumentException("datapoint type " + t.name() + ": only metric keys fuse by max/min/mean");
            }
            return f;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("datapoint type")) {
                throw e;
            }
            throw new IllegalArgumentException("datapoint type " + t.name() + ": fusion_policy must be latest, max, min or mean");
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static Map<String, Object> apply(DSLContext tx, PlantDescription p, AuditActor actor) {
        Set<String> types = new HashSet<>(tx.select(COMPONENT_TYPE.NAME).from(COMPONENT_TYPE).fetch(COMPONENT_TYPE.NAME));
        for (PlantDescription.Component c : p.components()) {
            if (c.type() != null && !types.contains(c.type())) {
                throw new IllegalArgumentException("component " + c.name() + ": unknown component type '" + c.type()
                        + "' (known: " + String.join(", ", types.stream().sorted().toList()) + ")");
            }
        }
        // first the rows, then the references between rows of one kind (parents), so order in the file is free
        for (PlantDescription.Location l : p.locations()) {
            tx.insertInto(LOCATION)
                    .set(LOCATION.NAME, l.name())
                    .set(LOCATION.DISPLAY_NAME, nz(l.displayName()))
                    .set(LOCATION.DESCRIPTION, nz(l.description()))
                    .onConflict(LOCATION.NAME).doUpdate()
                    .set(LOCATION.DISPLAY_NAME, excluded(LOCATION.DISPLAY_NAME))
                    .set(LOCATION.DESCRIPTION, excluded(LOCATION.DESCRIPTION))
                    .execute();
        }
        for (PlantDescription.Location l : p.locations()) {
            tx.update(LOCATION).set(LOCATION.PARENT, l.parent()).where(LOCATION.NAME.eq(l.name()))
                    .and(LOCATION.PARENT.isDistinctFrom(l.parent())).execute();
        }
        for (PlantDescription.SystemDef s : p.systems()) {
            tx.insertInto(SYSTEM)
                    .set(SYSTEM.NAME, s.name())
                    .set(SYSTEM.DISPLAY_NAME, nz(s.displayName()))
                    .set(SYSTEM.LOCATION, s.location())
                    .set(SYSTEM.DESCRIPTION, nz(s.description()))
                    .onConflict(SYSTEM.NAME).doUpdate()
                    .set(SYSTEM.DISPLAY_NAME, excluded(SYSTEM.DISPLAY_NAME))
                    .set(SYSTEM.LOCATION, excluded(SYSTEM.LOCATION))
                    .set(SYSTEM.DESCRIPTION, excluded(SYSTEM.DESCRIPTION))
                    .execute();
        }
        for (PlantDescription.SystemDef s : p.systems()) {
            tx.update(SYSTEM).set(SYSTEM.PARENT, s.parent()).where(SYSTEM.NAME.eq(s.name()))
                    .and(SYSTEM.PARENT.isDistinctFrom(s.parent())).execute();
        }
        for (PlantDescription.Component c : p.components()) {
            tx.insertInto(COMPONENT)
                    .set(COMPONENT.NAME, c.name())
                    .set(COMPONENT.DISPLAY_NAME, nz(c.displayName()))
                    .set(COMPONENT.COMPONENT_TYPE, c.type())
                    .set(COMPONENT.SYSTEM, c.system())
                    .set(COMPONENT.LOCATION, c.location())
                    .set(COMPONENT.DESCRIPTION, nz(c.description()))
                    .onConflict(COMPONENT.NAME).doUpdate()
                    .set(COMPONENT.DISPLAY_NAME, excluded(COMPONENT.DISPLAY_NAME))
                    .set(COMPONENT.COMPONENT_TYPE, excluded(COMPONENT.COMPONENT_TYPE))
                    .set(COMPONENT.SYSTEM, excluded(COMPONENT.SYSTEM))
                    .set(COMPONENT.LOCATION, excluded(COMPONENT.LOCATION))
                    .set(COMPONENT.DESCRIPTION, excluded(COMPONENT.DESCRIPTION))
                    .execute();
            tx.deleteFrom(SYSTEM_MEMBER).where(SYSTEM_MEMBER.COMPONENT.eq(c.name()))
                    .and(c.system() == null ? DSL.trueCondition() : SYSTEM_MEMBER.SYSTEM.ne(c.system())).execute();
            if (c.system() != null) {
                tx.insertInto(SYSTEM_MEMBER)
                        .set(SYSTEM_MEMBER.SYSTEM, c.system())
                        .set(SYSTEM_MEMBER.COMPONENT, c.name())
                        .set(SYSTEM_MEMBER.ROLE, c.type() == null ? "member" : c.type())
                        .onConflictDoNothing()
                        .execute();
            }
        }
        for (PlantDescription.Node n : p.nodes()) {
            tx.insertInto(NODE)
                    .set(NODE.NAME, n.name())
                    .set(NODE.DISPLAY_NAME, nz(n.displayName()))
                    .set(NODE.LOCATION, n.location())
                    .set(NODE.ADDRESS, nz(n.address()))
                    .onConflict(NODE.NAME).doUpdate()
                    .set(NODE.DISPLAY_NAME, excluded(NODE.DISPLAY_NAME))
                    .set(NODE.LOCATION, excluded(NODE.LOCATION))
                    .set(NODE.ADDRESS, excluded(NODE.ADDRESS))
                    .execute();
        }
        int keysAdded = 0;
        int keysKept = 0;
        for (PlantDescription.DatapointType t : p.datapointTypes()) {
            DatapointTypeRecord existing = tx.selectFrom(DATAPOINT_TYPE)
                    .where(DATAPOINT_TYPE.NAME.eq(t.name()))
                    .and(DATAPOINT_TYPE.SCOPE.ne(RegistryScope.template))
                    .fetchOne();
            DatapointKind kind = kind(t);
            if (existing != null && existing.getKind() != kind) {
                throw new IllegalArgumentException("datapoint type " + t.name() + " is a " + existing.getKind()
                        + " key already; a key never changes kind");
            }
            if (existing == null) {
                tx.insertInto(DATAPOINT_TYPE)
                        .set(DATAPOINT_TYPE.NAME, t.name())
                        .set(DATAPOINT_TYPE.KIND, kind)
                        .set(DATAPOINT_TYPE.UNIT, nz(t.unit()))
                        .set(DATAPOINT_TYPE.SCOPE, RegistryScope.org)
                        .set(DATAPOINT_TYPE.FUSION_POLICY, fusion(t))
                        .set(DATAPOINT_TYPE.DESCRIPTION, nz(t.description()))
                        .execute();
                keysAdded++;
            } else if (existing.getScope() == RegistryScope.org) {
                tx.update(DATAPOINT_TYPE)
                        .set(DATAPOINT_TYPE.UNIT, nz(t.unit()))
                        .set(DATAPOINT_TYPE.FUSION_POLICY, fusion(t))
                        .set(DATAPOINT_TYPE.DESCRIPTION, nz(t.description()))
                        .where(DATAPOINT_TYPE.ID.eq(existing.getId()))
                        .execute();
                keysKept++;
            } else {
                keysKept++; // official: shipped with the binary, not the plant's to change
            }
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("plant", p.name());
        counts.put("locations", p.locations().size());
        counts.put("systems", p.systems().size());
        counts.put("components", p.components().size());
        counts.put("nodes", p.nodes().size());
        counts.put("datapoint_types_added", keysAdded);
        counts.put("datapoint_types_existing", keysKept);
        if (!p.retention().isEmpty()) {
            counts.put("retention_changed", io.omniglass.core.lifecycle.PlantRetention.apply(tx, p.retention(), actor));
        }
        if (p.rules() != null && !p.rules().isNull()) {
            List<PlantRulesImporter> importers = ServiceLoader.load(PlantRulesImporter.class).stream()
                    .map(ServiceLoader.Provider::get).toList();
            if (importers.isEmpty()) {
                counts.put("rules", "skipped (no rules importer installed)");
            } else {
                Map<String, Integer> ruleCounts = new LinkedHashMap<>();
                importers.forEach(i -> ruleCounts.putAll(i.importRules(tx, p.rules(), actor)));
                counts.put("rules", ruleCounts);
            }
        }
        return counts;
    }

    private static void audit(DSLContext tx, AuditActor actor, String tenant, Map<String, Object> counts) {
        AuditTrail.TENANT.write(tx, actor, "plant.import", "tenant:" + tenant, null, counts);
    }
}

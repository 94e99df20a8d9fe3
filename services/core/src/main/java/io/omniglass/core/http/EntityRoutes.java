package io.omniglass.core.http;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.omniglass.api.DatapointTypeInfo;
import io.omniglass.api.EntityInfo;
import io.omniglass.api.EntityList;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.VisibleSet;
import io.omniglass.schema.tenant.Tables;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.FusionPolicy;
import org.jooq.DSLContext;
import org.jooq.TableField;
import org.jooq.impl.DSL;

import java.util.List;
import java.util.regex.Pattern;

import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.LOCATION;
import static io.omniglass.schema.tenant.Tables.NODE;

/**
 * The structure (locations, systems, components, nodes) and the datapoint-type registry. Reads are
 * narrowed to the token's scope; creates need admin, are checked to land inside the scope (else
 * rolled back, 403) and leave their audit_log row in the same transaction.
 */
public final class EntityRoutes {

    private static final Pattern ENTITY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,127}");
    private static final String ENTITY_EXAMPLE =
            "{\"kind\": \"component\", \"name\": \"pump-7\", \"system\": \"cooling\", \"display_name\": \"Pump 7\"}";
    private static final String TYPE_EXAMPLE =
            "{\"name\": \"discharge_pressure\", \"kind\": \"metric\", \"unit\": \"bar\", \"fusion_policy\": \"latest\"}";

    private EntityRoutes() {
    }

    static void list(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_ENTITIES);
        VisibleSet v = s.visibleSet();
        EntityList list = s.read(tx -> {
            var sys = Tables.SYSTEM;
            List<EntityInfo> locations = tx.selectFrom(LOCATION).where(v.entity("location", LOCATION.NAME))
                    .orderBy(LOCATION.NAME)
                    .fetch(r -> new EntityInfo("location", r.getName(), r.getDisplayName(), r.getParent(), null, null,
                            null, null, r.getDescription()));
            List<EntityInfo> systems = tx.selectFrom(sys).where(v.entity("system", sys.NAME)).orderBy(sys.NAME)
                    .fetch(r -> new EntityInfo("system", r.getName(), r.getDisplayName(), r.getParent(), r.getLocation(),
                            null, null, null, r.getDescription()));
            List<EntityInfo> components = tx.selectFrom(COMPONENT).where(v.entity("component", COMPONENT.NAME))
                    .orderBy(COMPONENT.NAME)
                    .fetch(r -> new EntityInfo("component", r.getName(), r.getDisplayName(), null, r.getLocation(),
                            r.getSystem(), r.getComponentType(), null, r.getDescription()));
            List<EntityInfo> nodes = tx.selectFrom(NODE).where(v.entity("node", NODE.NAME)).orderBy(NODE.NAME)
                    .fetch(r -> new EntityInfo("node", r.getName(), r.getDisplayName(), null, r.getLocation(), null,
                            null, r.getAddress(), null));
            return new EntityList(locations, systems, components, nodes);
        });
        ctx.json(list);
    }

    static void create(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.WRITE_ENTITIES);
        EntityInfo e = HttpParams.body(ctx, EntityInfo.class, ENTITY_EXAMPLE);
        if (e.kind() == null || !List.of("location", "system", "component", "node").contains(e.kind())) {
            throw ApiException.badRequest("kind must be location, system, component or node");
        }
        if (e.name() == null || !ENTITY_NAME.matcher(e.name()).matches()) {
            throw ApiException.badRequest("name must match " + ENTITY_NAME.pattern());
        }
        String display = e.displayName() == null ? "" : e.displayName();
        String description = e.description() == null ? "" : e.description();
        EntityInfo created = s.transaction(tx -> {
            TableField<?, String> nameField = nameField(e.kind());
            if (tx.fetchExists(DSL.selectOne().from(nameField.getTable()).where(nameField.eq(e.name())))) {
                throw ApiException.conflict(e.kind() + " '" + e.name() + "' already exists");
            }
            insert(tx, e, display, description);
            if (!tx.fetchExists(DSL.selectOne().from(nameField.getTable())
                    .where(nameField.eq(e.name())).and(s.visibleSet().entity(e.kind(), nameField)))) {
                throw ApiException.forbidden("the new " + e.kind() + " would be outside this token's scope");
            }
            EntityInfo out = new EntityInfo(e.kind(), e.name(), display, e.parent(), e.location(), e.system(),
                    e.componentType(), e.address(), description);
            s.audit(tx, "entity.create", e.kind() + ":" + e.name(), null, out);
            return out;
        });
        ctx.status(HttpStatus.CREATED).json(created);
    }

    private static TableField<?, String> nameField(String kind) {
        return switch (kind) {
            case "location" -> LOCATION.NAME;
            case "system" -> Tables.SYSTEM.NAME;
            case "component" -> COMPONENT.NAME;
            default -> NODE.NAME;
        };
    }

    private static void insert(DSLContext tx, EntityInfo e, String display, String description) {
        switch (e.kind()) {
            case "location" -> tx.insertInto(LOCATION)
                    .set(LOCATION.NAME, e.name()).set(LOCATION.DISPLAY_NAME, display)
                    .set(LOCATION.PARENT, e.parent()).set(LOCATION.DESCRIPTION, description).execute();
            case "system" -> {
                var sys = Tables.SYSTEM;
                tx.insertInto(sys)
                        .set(sys.NAME, e.name()).set(sys.DISPLAY_NAME, display).set(sys.PARENT, e.parent())
                        .set(sys.LOCATION, e.location()).set(sys.DESCRIPTION, description).execute();
            }
            case "component" -> tx.insertInto(COMPONENT)
                    .set(COMPONENT.NAME, e.name()).set(COMPONENT.DISPLAY_NAME, display)
                    .set(COMPONENT.SYSTEM, e.system()).set(COMPONENT.LOCATION, e.location())
                    .set(COMPONENT.COMPONENT_TYPE, e.componentType()).set(COMPONENT.DESCRIPTION, description).execute();
            default -> tx.insertInto(NODE)
                    .set(NODE.NAME, e.name()).set(NODE.DISPLAY_NAME, display).set(NODE.LOCATION, e.location())
                    .set(NODE.ADDRESS, e.address() == null ? "" : e.address()).execute();
        }
    }

    static void listTypes(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_ENTITIES);
        List<DatapointTypeInfo> types = s.read(tx -> tx.selectFrom(DATAPOINT_TYPE).orderBy(DATAPOINT_TYPE.NAME, DATAPOINT_TYPE.ID)
                .fetch(r -> new DatapointTypeInfo(r.getId(), r.getName(), r.getKind().getLiteral(), r.getUnit(),
                        r.getScope().getLiteral(), r.getFusionPolicy().getLiteral(), r.getDescription())));
        ctx.json(types);
    }

    static void createType(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.WRITE_ENTITIES);
        s.requireTenantWideScope();
        DatapointTypeInfo req = HttpParams.body(ctx, DatapointTypeInfo.class, TYPE_EXAMPLE);
        if (req.name() == null || !TYPE_NAME.matcher(req.name()).matches()) {
            throw ApiException.badRequest("name must match " + TYPE_NAME.pattern());
        }
        DatapointKind kind = literal(DatapointKind.class, req.kind(), "kind");
        FusionPolicy fusion = req.fusionPolicy() == null ? FusionPolicy.latest
                : literal(FusionPolicy.class, req.fusionPolicy(), "fusion_policy");
        if (fusion != FusionPolicy.latest && kind != DatapointKind.metric) {
            throw ApiException.badRequest("only metric keys can fuse by max, min or mean");
        }
        DatapointTypeInfo created = s.transaction(tx -> {
            if (tx.fetchExists(DATAPOINT_TYPE, DATAPOINT_TYPE.NAME.eq(req.name()))) {
                throw ApiException.conflict("datapoint type '" + req.name() + "' already exists");
            }
            var r = tx.insertInto(DATAPOINT_TYPE)
                    .set(DATAPOINT_TYPE.NAME, req.name())
                    .set(DATAPOINT_TYPE.KIND, kind)
                    .set(DATAPOINT_TYPE.UNIT, req.unit() == null ? "" : req.unit())
                    .set(DATAPOINT_TYPE.FUSION_POLICY, fusion)
                    .set(DATAPOINT_TYPE.DESCRIPTION, req.description() == null ? "" : req.description())
                    .returning().fetchSingle();
            DatapointTypeInfo out = new DatapointTypeInfo(r.getId(), r.getName(), r.getKind().getLiteral(), r.getUnit(),
                    r.getScope().getLiteral(), r.getFusionPolicy().getLiteral(), r.getDescription());
            s.audit(tx, "datapoint_type.create", "datapoint_type:" + r.getName(), null, out);
            return out;
        });
        ctx.status(HttpStatus.CREATED).json(created);
    }

    static <E extends Enum<E> & org.jooq.EnumType> E literal(Class<E> type, String value, String what) {
        for (E e : type.getEnumConstants()) {
            if (e.getLiteral().equals(value)) {
                return e;
            }
        }
        List<String> allowed = java.util.Arrays.stream(type.getEnumConstants()).map(E::getLiteral).toList();
        throw ApiException.badRequest(what + " must be one of " + String.join(", ", allowed));
    }
}

package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.SecretValue;
import io.omniglass.api.VariableInfo;
import io.omniglass.api.VariableRequest;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.lifecycle.SecretExpiry;
import io.omniglass.core.rules.Owner;
import io.omniglass.core.secrets.SecretBox;
import io.omniglass.schema.tenant.enums.OwnerKind;
import io.omniglass.schema.tenant.tables.records.VariableRecord;
import org.jooq.Condition;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.util.Map;
import java.util.regex.Pattern;

import static io.omniglass.schema.tenant.Tables.VARIABLE;
import static io.omniglass.schema.tenant.Tables.VARIABLE_TYPE;

/**
 * Configuration variables of owners, and the secrets among them:
 * {@code GET /api/v1/tenants/{t}/variables} (in scope; secret values never listed),
 * {@code POST .../variables} (admin: set one; a secret type's value is sealed with the core's key,
 * {@link SecretBox}, before it reaches the database) and {@code POST .../variables/{id}:decrypt}
 * (admin: the plaintext, with its {@code secret.decrypt} audit row in the same transaction: no
 * decrypt without a record). Audit rows never carry a secret, only that it changed.
 */
public final class VariableRoutes {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,127}");
    private static final String EXAMPLE =
            "{\"name\": \"modbus_password\", \"owner\": \"component:pump-7\", \"variable_type\": \"credential\", \"secret\": \"...\"}";
    private static final OwnerColumns OWNER = OwnerColumns.of(VARIABLE);
    private static final Map<String, Boolean> REDACTED = Map.of("secret", true);

    private VariableRoutes() {
    }

    public static void register(Javalin app, Gateway gateway, SecretBox box) {
        String base = "/api/v1/tenants/{t}/variables";
        app.get(base, ctx -> list(ctx, gateway));
        app.post(base, ctx -> set(ctx, gateway, box));
        // Javalin has no "{id}:verb" segments: the segment is taken whole and split here
        app.post(base + "/{idAction}", ctx -> decrypt(ctx, gateway, box));
    }

    static void list(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_VARIABLES);
        ctx.json(s.read(tx -> tx.selectFrom(VARIABLE).where(s.visible(OWNER))
                .orderBy(VARIABLE.OWNER_KIND, VARIABLE.COMPONENT_ID, VARIABLE.SYSTEM_ID, VARIABLE.LOCATION_ID,
                        VARIABLE.NODE_ID, VARIABLE.NAME)
                .limit(10_000)
                .fetch(VariableRoutes::info)));
    }

    static void set(Context ctx, Gateway gateway, SecretBox box) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.WRITE_VARIABLES);
        VariableRequest req = HttpParams.body(ctx, VariableRequest.class, EXAMPLE);
        if (req.name() == null || !NAME.matcher(req.name()).matches()) {
            throw ApiException.badRequest("name must match " + NAME.pattern());
        }
        Owner owner;
        try {
            owner = Owner.parse(req.owner());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (req.variableType() == null) {
            throw ApiException.badRequest("variable_type is required (e.g. setpoint, endpoint, credential)");
        }
        boolean[] created = {false};
        VariableInfo out = s.transaction(tx -> {
            Boolean secretType = tx.select(VARIABLE_TYPE.SECRET).from(VARIABLE_TYPE)
                    .where(VARIABLE_TYPE.NAME.eq(req.variableType())).fetchOne(VARIABLE_TYPE.SECRET);
            if (secretType == null) {
                throw ApiException.badRequest("unknown variable_type '" + req.variableType() + "'");
            }
            boolean hasValue = req.value() != null && !req.value().isNull(); // JSON null arrives as a NullNode
            if (secretType && (req.secret() == null || hasValue)) {
                throw ApiException.badRequest("a " + req.variableType() + " variable takes \"secret\" (a string), not \"value\"");
            }
            if (!secretType && (!hasValue || req.secret() != null)) {
                throw ApiException.badRequest("a " + req.variableType() + " variable takes \"value\" (any JSON but null), not \"secret\"");
            }
            Condition same = VARIABLE.NAME.eq(req.name()).and(ownerIs(owner));
            VariableRecord old = tx.selectFrom(VARIABLE).where(same).forUpdate().fetchOne();
            if (old != null && !tx.fetchExists(DSL.selectOne().from(VARIABLE).where(same.and(s.visible(OWNER))))) {
                throw ApiException.notFound("no variable you can change");
            }
            JSONB value = secretType ? null : JSONB.valueOf(req.value().toString());
            byte[] sealed = secretType ? box.seal(req.secret(), identity(s, req.variableType(), req.name(), owner.toString())) : null;
            VariableRecord row;
            if (old == null) {
                row = tx.insertInto(VARIABLE).set(VARIABLE.NAME, req.name()).set(VARIABLE.VARIABLE_TYPE, req.variableType())
                        .set(VARIABLE.VALUE, value).set(VARIABLE.CIPHERTEXT, sealed).set(VARIABLE.UPDATED_BY, s.principal().actor())
                        .set(owner.columns(VARIABLE))
                        .returning().fetchSingle();
                // the new row must land inside the caller's scope, or it never happened
                if (!tx.fetchExists(DSL.selectOne().from(VARIABLE).where(VARIABLE.ID.eq(row.getId()).and(s.visible(OWNER))))) {
                    throw ApiException.forbidden("the variable's owner is outside this token's scope");
                }
                created[0] = true;
            } else {
                row = tx.update(VARIABLE).set(VARIABLE.VARIABLE_TYPE, req.variableType()).set(VARIABLE.VALUE, value)
                        .set(VARIABLE.CIPHERTEXT, sealed).set(VARIABLE.UPDATED_AT, DSL.currentOffsetDateTime())
                        .set(VARIABLE.UPDATED_BY, s.principal().actor())
                        .where(VARIABLE.ID.eq(old.getId())).returning().fetchSingle();
            }
            VariableInfo neu = info(row);
            s.audit(tx, created[0] ? "variable.create" : "variable.update", "variable:" + row.getId(),
                    old == null ? null : auditView(info(old)), auditView(neu));
            return neu;
        });
        ctx.status(created[0] ? HttpStatus.CREATED : HttpStatus.OK).json(out);
    }

    static void decrypt(Context ctx, Gateway gateway, SecretBox box) {
        String[] parts = ctx.pathParam("idAction").split(":", 2);
        if (parts.length != 2 || !parts[1].equals("decrypt")) {
            throw ApiException.notFound("use /variables/{id}:decrypt");
        }
        long id;
        try {
            id = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("variable id must be a number");
        }
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.DECRYPT_SECRETS);
        SecretValue out = s.transaction(tx -> {
            VariableRecord v = tx.selectFrom(VARIABLE).where(VARIABLE.ID.eq(id).and(s.visible(OWNER))).fetchOne();
            if (v == null) {
                throw ApiException.notFound("no variable " + id);
            }
            // an expired secret is never opened again; the upkeep purges its sealed value (docs/lifecycle.md)
            SecretExpiry.requireNotExpired(v);
            if (v.getCiphertext() == null) {
                throw ApiException.badRequest("variable " + id + " is not a secret: its value is in the list");
            }
            String plain;
            try {
                plain = box.open(v.getCiphertext(), identity(s, v.getVariableType(), v.getName(), owner(v)),
                        legacyIdentity(s, v.getVariableType(), v.getName()));
            } catch (SecretBox.SealBrokenException e) {
                throw ApiException.conflict("variable " + id + " cannot be decrypted: " + e.getMessage());
            }
            s.audit(tx, "secret.decrypt", "variable:" + id, null, Map.of("name", v.getName(), "owner", owner(v)));
            return new SecretValue(id, v.getName(), owner(v), plain);
        });
        ctx.json(out);
    }

    /** What the seal is bound to: moving a ciphertext to another tenant, type, name or owner breaks it. */
    private static String identity(GatewaySession s, String type, String name, String owner) {
        return "omniglass/variable/v2/" + s.tenant().slug() + "/" + owner + "/" + type + "/" + name;
    }

    /** The binding of version 1 boxes (no owner), for reading values sealed before the owner was bound. */
    private static String legacyIdentity(GatewaySession s, String type, String name) {
        return "omniglass/variable/" + s.tenant().slug() + "/" + type + "/" + name;
    }

    @SuppressWarnings("unchecked")
    private static Condition ownerIs(Owner o) {
        return DSL.and(o.columns(VARIABLE).entrySet().stream()
                .map(e -> ((org.jooq.Field<Object>) e.getKey()).eq(e.getValue())).toList());
    }

    static String owner(VariableRecord v) {
        OwnerKind kind = v.getOwnerKind();
        return new Owner(kind, kind == OwnerKind.global ? null : (String) v.get(kind.getLiteral() + "_id")).toString();
    }

    static VariableInfo info(VariableRecord v) {
        JsonNode value = null;
        if (v.getValue() != null) {
            try {
                value = OmniglassClient.JSON.readTree(v.getValue().data());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return new VariableInfo(v.getId(), v.getName(), owner(v), v.getVariableType(), value, v.getCiphertext() != null,
                v.getUpdatedAt(), v.getUpdatedBy());
    }

    /** A variable as its audit row shows it: a secret only as the fact that there is one. */
    private static Object auditView(VariableInfo v) {
        return v.secret() ? Map.of("name", v.name(), "owner", v.owner(), "variable_type", v.variableType(), "value", REDACTED) : v;
    }
}

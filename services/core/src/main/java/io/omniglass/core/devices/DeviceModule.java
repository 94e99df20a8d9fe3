package io.omniglass.core.devices;

import io.omniglass.core.gateway.AuditActor;
import io.javalin.Javalin;
import io.javalin.http.HttpStatus;
import io.omniglass.api.CreateDeviceRequest;
import io.omniglass.api.DeviceCreated;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.runtime.DataDir;
import io.omniglass.core.runtime.NatsAuthorization;
import io.omniglass.core.runtime.NatsServerProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Data-lane credentials for a tenant's devices: {@code GET/POST /api/v1/tenants/{t}/devices},
 * {@code POST .../devices/{id}:revoke} (admin of the whole tenant, audited). The nats-server
 * admits exactly the live credentials: after every change (and at start) the authorization is
 * regenerated from the control database and the embedded server reloads it, so a revoke takes
 * effect at once, open connections included, without a restart. With an external NATS the file
 * named by {@code OMNIGLASS_NATS_AUTH_FILE} is regenerated instead, for the server to reload.
 */
public final class DeviceModule implements CoreModule {

    private static final Logger log = LoggerFactory.getLogger(DeviceModule.class);

    private CoreContext ctx;
    private DeviceStore store;

    @Override
    public String name() {
        return "devices";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        this.store = new DeviceStore(ctx.control());
        grant();
    }

    /**
     * A fresh credential named {@code name} for an in-process device of this core (the demo's plant
     * simulator), replacing a live one of that name, granted on the nats-server before it returns.
     */
    public static DeviceStore.Created issue(CoreContext ctx, String tenant, String name) {
        DeviceStore store = new DeviceStore(ctx.control());
        store.list(tenant).stream().filter(d -> d.name().equals(name) && d.revokedAt() == null)
                .forEach(d -> store.revoke(AuditActor.named("system:" + name), tenant, d.id()));
        DeviceStore.Created created = store.create(AuditActor.named("system:" + name), tenant, name);
        grant(ctx, store, ctx.config().natsAuthFile());
        return created;
    }

    private void grant() {
        grant(ctx, store, ctx.config().natsAuthFile());
    }

    /** Makes the nats-server admit exactly the live credentials (one rewrite at a time, whoever asks). */
    private static synchronized void grant(CoreContext ctx, DeviceStore store, Optional<Path> externalAuthFile) {
        List<NatsAuthorization.DeviceGrant> grants = store.grants();
        try {
            Optional<NatsServerProcess> embedded = ctx.infrastructure().embeddedNats();
            if (embedded.isPresent()) {
                embedded.get().authorize(grants);
            } else if (externalAuthFile.isPresent()) {
                String password = corePassword(ctx.infrastructure().natsUrl());
                DataDir.writeOwnerOnly(externalAuthFile.get(), NatsAuthorization.render(password, grants));
                // the nats-server reads it through the group it shares with the core (packaging/core/)
                java.nio.file.Files.setPosixFilePermissions(externalAuthFile.get(),
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
            } else {
                log.debug("external NATS without OMNIGLASS_NATS_AUTH_FILE: its operator grants the {} device credentials", grants.size());
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot grant device credentials on the nats-server", e);
        }
        log.info("nats-server admits {} device credentials", grants.size());
    }

    /** The core's own password, from the {@code user:password@} of its NATS URL. */
    private static String corePassword(String natsUrl) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("://" + NatsAuthorization.CORE_USER + ":([^@/]+)@").matcher(natsUrl);
        if (!m.find()) {
            throw new IllegalStateException("OMNIGLASS_NATS_AUTH_FILE needs OMNIGLASS_NATS_URL to carry "
                    + NatsAuthorization.CORE_USER + ":PASSWORD@");
        }
        return m.group(1);
    }

    @Override
    public void routes(Javalin app, CoreContext core) {
        String base = "/api/v1/tenants/{tenant}/devices";
        app.get(base, c -> {
            String slug = tenantOf(c, Role.admin);
            c.json(store.list(slug));
        });
        app.post(base, c -> {
            Principal p = Auth.principal(c);
            String slug = tenantOf(c, Role.admin);
            CreateDeviceRequest req = c.bodyAsClass(CreateDeviceRequest.class);
            DeviceStore.Created created;
            try {
                created = store.create(AuditActor.of(p), slug, req == null ? null : req.name());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            } catch (DeviceStore.DeviceConflictException e) {
                throw ApiException.conflict(e.getMessage());
            }
            grant();
            c.status(HttpStatus.CREATED).json(new DeviceCreated(created.device(), created.seed(),
                    NatsAuthorization.inboxPrefix(created.device().publicKey())));
        });
        app.post(base + "/{idAction}", c -> {
            Principal p = Auth.principal(c);
            String slug = tenantOf(c, Role.admin);
            String[] parts = c.pathParam("idAction").split(":", 2);
            if (parts.length != 2 || !parts[1].equals("revoke")) {
                throw ApiException.notFound("no such device action: use POST .../devices/{id}:revoke");
            }
            long id;
            try {
                id = Long.parseLong(parts[0]);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("device id '" + parts[0] + "' is not a number");
            }
            var revoked = store.revoke(AuditActor.of(p), slug, id).orElseThrow(() -> ApiException.notFound("no device " + id + " in tenant " + slug));
            grant();
            c.json(revoked);
        });
    }

    /**
     * The tenant of the path, when the caller may manage its devices: an admin of the whole
     * tenant, since a device may write anywhere on the tenant's lane.
     */
    private String tenantOf(io.javalin.http.Context c, Role role) {
        Principal p = Auth.require(c, role);
        String slug = c.pathParam("tenant");
        if (!p.canSeeTenant(slug) || ctx.tenant(slug).isEmpty()) {
            throw ApiException.notFound("no tenant '" + slug + "'");
        }
        if (p.scopeKind() != Principal.ScopeKind.tenant) {
            throw ApiException.forbidden("a device writes anywhere on the tenant's data lane: this needs a token for the whole tenant");
        }
        return slug;
    }
}

package io.omniglass.core.lifecycle;

import com.fasterxml.jackson.core.type.TypeReference;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.OmniglassClient.ApiException;
import io.omniglass.api.VariableInfo;
import io.omniglass.api.VariableRequest;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An expired secret cannot be decrypted, and the upkeep purges its sealed value, audited. */
class SecretExpiryTest {

    static TestCore core;
    static OmniglassClient admin;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), new PlantModule(), new LifecycleModule(Duration.ofDays(1))));
        admin = core.admin();
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void anExpiredSecretCannotBeDecryptedAndItsValueIsGone() throws Exception {
        Tenant t = core.createTenant("expiry");
        LifecycleFixture f = new LifecycleFixture(core.core().context().tenantDataSource(t), "expiry");
        VariableInfo expiring = admin.setVariable("expiry", new VariableRequest("modbus_password", "component:pump-1", "credential", null, "s3cret-1"));
        VariableInfo lasting = admin.setVariable("expiry", new VariableRequest("api_key", "component:pump-1", "credential", null, "s3cret-2"));
        assertThat(admin.decryptSecret("expiry", expiring.id()).secret()).isEqualTo("s3cret-1");

        Map<String, Object> set = admin.put("/api/v1/tenants/expiry/variables/" + expiring.id() + "/expiry",
                Map.of("expiresAt", OffsetDateTime.now().plusSeconds(1).toString()), new TypeReference<Map<String, Object>>() { });
        assertThat(set).containsKey("expiresAt");
        admin.put("/api/v1/tenants/expiry/variables/" + lasting.id() + "/expiry",
                Map.of("expiresAt", OffsetDateTime.now().plusDays(30).toString()), new TypeReference<Map<String, Object>>() { });
        Thread.sleep(1500);

        // expired: refused before any purge
        assertThatThrownBy(() -> admin.decryptSecret("expiry", expiring.id()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(410));
        assertThat(f.value("SELECT count(*) FROM variable WHERE ciphertext IS NOT NULL")).isEqualTo(2);

        Map<String, Object> report = admin.post("/api/v1/tenants/expiry/maintenance", Map.of(), new TypeReference<Map<String, Object>>() { });
        assertThat(report).containsEntry("secretsPurged", 1);
        assertThat(f.value("SELECT count(*) FROM variable WHERE id = " + expiring.id() + " AND ciphertext IS NULL AND purged_at IS NOT NULL")).isEqualTo(1);
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE verb = 'secret.purge' AND resource = 'variable:" + expiring.id() + "'")).isEqualTo(1);
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE verb = 'secret.expiry'")).isEqualTo(2);
        assertThatThrownBy(() -> admin.decryptSecret("expiry", expiring.id()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(410));
        // the other secret is untouched and still opens
        assertThat(admin.decryptSecret("expiry", lasting.id()).secret()).isEqualTo("s3cret-2");
        // only secrets expire
        VariableInfo plain = admin.setVariable("expiry", new VariableRequest("flow_setpoint", "component:pump-1", "setpoint",
                io.omniglass.api.OmniglassClient.JSON.readTree("4.5"), null));
        assertThatThrownBy(() -> admin.put("/api/v1/tenants/expiry/variables/" + plain.id() + "/expiry",
                Map.of("expiresAt", OffsetDateTime.now().toString()), new TypeReference<Map<String, Object>>() { }))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}

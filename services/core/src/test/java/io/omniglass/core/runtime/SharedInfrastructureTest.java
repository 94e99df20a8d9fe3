package io.omniglass.core.runtime;

import io.omniglass.api.TenantInfo;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** External Postgres and NATS by configuration, with several core instances on them at once. */
class SharedInfrastructureTest {

    /** Records which tenants the core handed to its modules. */
    static final class TenantsSeen implements CoreModule {
        final Set<String> slugs = ConcurrentHashMap.newKeySet();

        @Override
        public String name() {
            return "tenants-seen";
        }

        @Override
        public void tenantActive(CoreContext ctx, Tenant tenant) {
            slugs.add(tenant.slug());
        }
    }

    @Test
    void twoCoresShareOneServerAndOneNats() {
        try (TestInfra infra = TestInfra.start()) {
            TenantsSeen seenA = new TenantsSeen();
            TenantsSeen seenB = new TenantsSeen();
            try (TestCore a = TestCore.start(List.of(seenA), infra.env());
                 TestCore b = TestCore.start(List.of(seenB), infra.env())) {
                assertThat(a.core().context().infrastructure().embedded()).isFalse();
                assertThat(a.core().context().infrastructure().natsUrl()).isEqualTo(infra.natsUrl());

                a.admin().createTenant("shared", "Shared");

                // the second instance sees it in the registry and starts its modules for it
                assertThat(b.admin().tenants()).extracting(TenantInfo::slug).contains("shared");
                await().atMost(Duration.ofSeconds(10)).until(() -> seenB.slugs.contains("shared"));
                assertThat(seenA.slugs).contains("shared");
            }
            // a third core started later picks up existing tenants at start
            TenantsSeen seenC = new TenantsSeen();
            try (TestCore c = TestCore.start(List.of(seenC), infra.env())) {
                assertThat(seenC.slugs).contains("shared");
            }
        }
    }
}

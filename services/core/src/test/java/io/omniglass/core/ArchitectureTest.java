package io.omniglass.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.omniglass.core.tenancy.TenantDatabases;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The core's boundaries, checked on its compiled classes (modelled on JabRef's
 * MainArchitectureTest): the gateway knows nothing of HTTP, and tenant databases are reached
 * only through the gateway (and tenancy, which makes their pools).
 */
class ArchitectureTest {

    static final String CORE = "io.omniglass.core";
    /**
     * Beside the gateway and tenancy, only CDC reaches the tenant databases' servers itself: its
     * replication connection speaks the walsender protocol (pgoutput through pgjdbc's replication
     * API), not SQL, and its server-wide questions (WAL positions, walsenders, slots) go to each
     * server's own {@code postgres} database, not to a tenant's. Everything else, the sink, rules,
     * lifecycle, similar alarms, plant import and the benchmarks, takes a gateway session
     * ({@code Gateway.system(tenant, purpose)} for the core's own work). May only shrink.
     */
    static final String[] NOT_BEHIND_THE_GATEWAY = {CORE + ".cdc.."};

    static JavaClasses core;

    @BeforeAll
    static void importClasses() {
        core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(CORE);
    }

    @Test
    void theGatewayDoesNotDependOnHttp() {
        ArchRule rule = noClasses().that().resideInAPackage(CORE + ".gateway..")
                .should().dependOnClassesThat().resideInAPackage(CORE + ".http..")
                .because("the gateway is the door to the databases for every caller, HTTP being one of them");
        rule.check(core);
    }

    @Test
    void nothingOutsideTheGatewayOpensATenantConnection() {
        ArchRule rule = noClasses().that().resideOutsideOfPackages(withAllowed(CORE + ".gateway..", CORE + ".tenancy.."))
                .and().doNotHaveFullyQualifiedName(CoreContext.class.getName())
                .and().doNotHaveFullyQualifiedName(CoreService.class.getName())
                .should().callMethod(CoreContext.class, "tenantDataSource", io.omniglass.core.tenancy.Tenant.class)
                .orShould().dependOnClassesThat().belongToAnyOf(TenantDatabases.class)
                .because("tenant databases are read and written through the gateway, scoped and timed");
        rule.check(core);
    }

    @Test
    void settingsAreReadOnlyByTheConfiguration() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage(CORE + ".runtime..")
                .should().callMethod(System.class, "getenv")
                .orShould().callMethod(System.class, "getenv", String.class)
                .because("every setting is read, checked and documented once, in runtime.OmniglassConfig (and listed in runtime.Setting)");
        rule.check(core);
    }

    private static String[] withAllowed(String... always) {
        String[] all = new String[always.length + NOT_BEHIND_THE_GATEWAY.length];
        System.arraycopy(always, 0, all, 0, always.length);
        System.arraycopy(NOT_BEHIND_THE_GATEWAY, 0, all, always.length, NOT_BEHIND_THE_GATEWAY.length);
        return all;
    }
}

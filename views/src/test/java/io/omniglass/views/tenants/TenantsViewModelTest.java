package io.omniglass.views.tenants;

import io.omniglass.views.services.ServiceException;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.TenantSummary;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TenantsViewModelTest {

    private static List<TenantSummary> fiveHundred() {
        List<TenantSummary> list = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            list.add(new TenantSummary(String.format("site_%03d", i), i == 123 ? "Rotterdam harbour" : "Site " + i,
                    "active", (long) i * 10, (long) i % 7, i * 1.5));
        }
        return list;
    }

    @Test
    void searchNarrowsBySlugOrNameCaseInsensitively() {
        TenantsViewModel vm = new TenantsViewModel(TenantsViewModelTest::fiveHundred, new ImmediateExecutor());
        vm.refresh();
        assertThat(vm.visibleTenants()).hasSize(500);

        vm.searchProperty().set("HARBOUR");
        assertThat(vm.visibleTenants()).extracting(TenantSummary::slug).containsExactly("site_123");

        vm.searchProperty().set("site_49");
        assertThat(vm.visibleTenants()).extracting(TenantSummary::slug)
                .containsExactly("site_490", "site_491", "site_492", "site_493", "site_494",
                        "site_495", "site_496", "site_497", "site_498", "site_499");

        vm.searchProperty().set("  ");
        assertThat(vm.visibleTenants()).hasSize(500);
    }

    @Test
    void aRefreshKeepsTheSelectedTenantAndAFailureIsAReadableMessage() {
        List<List<TenantSummary>> answers = new ArrayList<>(List.of(fiveHundred(), fiveHundred()));
        boolean[] fail = {false};
        TenantsViewModel vm = new TenantsViewModel(() -> {
            if (fail[0]) {
                throw new ServiceException(0, "unreachable", "connection refused");
            }
            return answers.remove(0);
        }, new ImmediateExecutor());
        vm.refresh();
        vm.selectedProperty().set(vm.visibleTenants().get(42));
        vm.refresh();
        assertThat(vm.selectedProperty().get().slug()).isEqualTo("site_042");

        fail[0] = true;
        vm.refresh();
        assertThat(vm.errorProperty().get()).startsWith("The core cannot be reached");
        assertThat(vm.visibleTenants()).hasSize(500);
        assertThat(vm.busy().isBusy()).isFalse();
    }

    @Test
    void countsThatTheCoreDoesNotReportShowAsADash() {
        assertThat(TenantsViewModel.formatCount(null)).isEqualTo("–");
        assertThat(TenantsViewModel.formatCount(12345L)).isEqualTo("12,345");
        assertThat(TenantsViewModel.formatRate(2.25)).isEqualTo("2.3/s");
    }

    @Test
    void countsAreFetchedOnlyForTheTenantsAtTheTopOfTheSearchedList() {
        java.util.List<String> counted = new java.util.ArrayList<>();
        io.omniglass.views.services.TenantsService service = new io.omniglass.views.services.TenantsService() {
            @Override
            public List<TenantSummary> tenants() {
                return fiveHundred().stream().map(t -> new TenantSummary(t.slug(), t.name(), t.status(), null, null, null)).toList();
            }

            @Override
            public io.omniglass.views.services.TenantCounts counts(String slug) {
                counted.add(slug);
                return new io.omniglass.views.services.TenantCounts(12, 3);
            }

            @Override
            public java.util.Map<String, Double> ingestRates() {
                return java.util.Map.of("site_007", 42.5);
            }
        };
        TenantsViewModel vm = new TenantsViewModel(service, new ImmediateExecutor());
        vm.refresh();
        assertThat(counted).hasSize(TenantsViewModel.COUNTED_ROWS).startsWith("site_000");
        assertThat(vm.visibleTenants().get(0).series()).isEqualTo(12L);
        assertThat(vm.visibleTenants().get(0).activeAlarms()).isEqualTo(3L);
        assertThat(vm.visibleTenants().get(7).ingestPerSecond()).isEqualTo(42.5);
        assertThat(vm.visibleTenants().get(300).series()).isNull();

        vm.searchProperty().set("site_30");
        assertThat(counted).contains("site_300", "site_309").hasSize(TenantsViewModel.COUNTED_ROWS + 10);
        assertThat(vm.visibleTenants().get(0).series()).isEqualTo(12L);
    }
}

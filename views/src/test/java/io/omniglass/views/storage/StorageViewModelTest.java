package io.omniglass.views.storage;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.RetentionPolicy;
import io.omniglass.views.services.StorageOverview;
import io.omniglass.views.services.TableStorage;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class StorageViewModelTest {

    private static StorageOverview overview(String tenant) {
        return new StorageOverview(List.of(
                new TableStorage("metric_datapoint", 3L * 1024 * 1024 * 1024, 12_000_000, 14, "2026-11-17",
                        83, 11_952_000, 41_234_567, "2026-08-25", "2026-11-16"),
                new TableStorage("audit_log", 81_920, 120, 0, null, 0, 0, 0, null, null)),
                List.of(new RetentionPolicy("metric_datapoint", null, null, "7 days", "default", "180 days", "table", "parquet", "default"),
                        new RetentionPolicy("metric_datapoint", "vibration", null, "2 days", "type:vibration", "180 days", "table",
                                "parquet", "default"),
                        new RetentionPolicy("audit_log", null, null, null, null, "2555 days", "default", "none", "default"),
                        new RetentionPolicy(tenant, null, "component:pump-7", null, null, "1 day", "owner:component:pump-7", "none", "owner:component:pump-7")));
    }

    @Test
    void openingATenantShowsItsSizesPerTierAndWhereEachPolicyValueComesFrom() {
        StorageViewModel vm = new StorageViewModel(StorageViewModelTest::overview, new ImmediateExecutor());
        assertThat(vm.tables()).isEmpty();

        vm.tenantProperty().set("demo");

        assertThat(vm.tables()).extracting(TableStorage::table).containsExactly("metric_datapoint", "audit_log");
        assertThat(vm.summaryProperty().get()).isEqualTo("hot 3.00 GiB in Postgres · cold 39.3 MiB in 83 Parquet files");
        assertThat(vm.policies()).extracting(RetentionPolicy::appliesTo)
                .containsExactly("every row", "type vibration", "every row", "component:pump-7");
        RetentionPolicy vibration = vm.policies().get(1);
        assertThat(StorageViewModel.withSource(vibration.hot(), vibration.hotFrom())).isEqualTo("2 days  (type:vibration)");
        assertThat(StorageViewModel.withSource(vibration.keep(), vibration.keepFrom())).isEqualTo("180 days  (table)");
        RetentionPolicy audit = vm.policies().get(2);
        assertThat(StorageViewModel.withSource(audit.hot(), audit.hotFrom())).isEqualTo("—");
        assertThat(vm.errorProperty().get()).isNull();
        assertThat(vm.busy().isBusy()).isFalse();
    }

    @Test
    void figuresAreWrittenForPeople() {
        assertThat(StorageViewModel.bytes(0)).isEqualTo("0 B");
        assertThat(StorageViewModel.bytes(1023)).isEqualTo("1023 B");
        assertThat(StorageViewModel.bytes(8192)).isEqualTo("8.00 KiB");
        assertThat(StorageViewModel.bytes(150L * 1024 * 1024)).isEqualTo("150 MiB");
        assertThat(StorageViewModel.rows(12_000_000, true)).isEqualTo("~12,000,000");
        assertThat(StorageViewModel.rows(0, true)).isEqualTo("0");
        assertThat(StorageViewModel.rows(11_952_000, false)).isEqualTo("11,952,000");
        assertThat(StorageViewModel.days(null, null)).isEqualTo("—");
        assertThat(StorageViewModel.days("2026-08-25", "2026-11-16")).isEqualTo("2026-08-25 .. 2026-11-16");
        assertThat(StorageViewModel.days("2026-08-25", "2026-08-25")).isEqualTo("2026-08-25");
    }

    @Test
    void aFailedReadSaysWhyAndARefreshThatWorksClearsIt() {
        boolean[] fail = {true};
        StorageViewModel vm = new StorageViewModel(t -> {
            if (fail[0]) {
                throw new IllegalStateException("403 forbidden: GET .../storage needs a tenant-wide token");
            }
            return overview(t);
        }, new ImmediateExecutor());
        vm.tenantProperty().set("demo");
        assertThat(vm.errorProperty().get()).contains("tenant-wide token");
        assertThat(vm.tables()).isEmpty();

        fail[0] = false;
        vm.refresh();
        assertThat(vm.errorProperty().get()).isNull();
        assertThat(vm.tables()).hasSize(2);
    }

    @Test
    void aSlowAnswerForATenantLeftMeanwhileIsDropped() {
        Deque<Runnable> pending = new ArrayDeque<>();
        BackgroundExecutor later = new BackgroundExecutor() {
            @Override
            public <T> void submit(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
                pending.add(() -> {
                    try {
                        onSuccess.accept(work.call());
                    } catch (Exception e) {
                        onFailure.accept(e);
                    }
                });
            }

            @Override
            public void onUiThread(Runnable action) {
                action.run();
            }
        };
        StorageViewModel vm = new StorageViewModel(StorageViewModelTest::overview, later);
        vm.tenantProperty().set("first");
        vm.tenantProperty().set("second");
        assertThat(vm.busy().isBusy()).isTrue();
        pending.removeLast().run(); // the second answers first ...
        pending.removeFirst().run(); // ... then the first, late
        assertThat(vm.policies().get(3).table()).isEqualTo("second");
        assertThat(vm.busy().isBusy()).isFalse();
    }
}

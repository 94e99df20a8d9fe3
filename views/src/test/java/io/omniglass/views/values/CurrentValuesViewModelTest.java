package io.omniglass.views.values;

import io.omniglass.views.Fakes;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.CurrentValue;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CurrentValuesViewModelTest {

    private static final Instant T0 = Instant.parse("2026-11-21T07:00:00Z");

    private final Fakes.Values service = new Fakes.Values();
    private final CurrentValuesViewModel vm = new CurrentValuesViewModel(service, new ImmediateExecutor());

    @Test
    void liveUpdatesReplaceRowsInPlace() {
        service.rows.add(Fakes.value("component:pump-1", "pressure", "observed", 4.0, T0));
        service.rows.add(Fakes.value("component:pump-2", "pressure", "observed", 5.0, T0));
        vm.tenantProperty().set("demo");
        vm.apply();
        assertThat(vm.rows()).hasSize(2);

        vm.applyLive(List.of(Fakes.value("component:pump-2", "pressure", "observed", 5.5, T0.plusSeconds(1))));

        assertThat(vm.rows()).hasSize(2);
        assertThat(vm.rows().get(1).numeric()).isEqualTo(5.5);
        assertThat(vm.liveUpdatesProperty().get()).isEqualTo(1);
    }

    @Test
    void aBadFilterIsShownInlineAndTheTableKeepsItsRows() {
        service.rows.add(Fakes.value("component:pump-1", "pressure", "observed", 4.0, T0));
        vm.tenantProperty().set("demo");
        vm.apply();

        service.failWith = Fakes.badRequest("unknown field 'colour' at position 1");
        vm.filterProperty().set("colour = red");
        vm.apply();

        assertThat(vm.filterErrorProperty().get()).contains("unknown field 'colour' at position 1");
        assertThat(vm.errorProperty().get()).isNull();
        assertThat(vm.rows()).hasSize(1);

        service.failWith = null;
        vm.filterProperty().set("key = pressure");
        vm.apply();
        assertThat(vm.filterErrorProperty().get()).isNull();
        assertThat(service.filters).containsExactly("", "colour = red", "key = pressure");
    }

    @Test
    void withAFilterAppliedLiveUpdatesDoNotAddUnmatchedSeries() {
        service.rows.add(Fakes.value("component:pump-1", "pressure", "observed", 4.0, T0));
        vm.tenantProperty().set("demo");
        vm.filterProperty().set("owner = component:pump-1");
        vm.apply();

        vm.applyLive(List.of(Fakes.value("component:valve-9", "position", "observed", 1, T0)));
        assertThat(vm.rows()).hasSize(1);

        vm.filterProperty().set("");
        vm.apply();
        vm.applyLive(List.of(Fakes.value("component:valve-9", "position", "observed", 1, T0)));
        assertThat(vm.rows()).hasSize(2);
    }

    @Test
    void observedAndIntendedAreComparedWhereTheyDiverge() {
        CurrentValue observed = Fakes.value("component:valve-3", "position", "observed", 0, T0);
        service.rows.add(observed);
        service.rows.add(Fakes.value("component:valve-3", "position", "intended", 1, T0.plusSeconds(2)));
        vm.tenantProperty().set("demo");
        vm.apply();

        assertThat(vm.intendedFor(observed).numeric()).isEqualTo(1.0);
        assertThat(vm.diverges(observed)).isTrue();

        CurrentValue caughtUp = Fakes.value("component:valve-3", "position", "observed", 1, T0.plusSeconds(3));
        vm.applyLive(List.of(caughtUp));
        assertThat(vm.diverges(caughtUp)).isFalse();
        assertThat(vm.intendedFor(vm.rows().get(1))).isNull(); // the intended row itself has no partner column
    }

    @Test
    void anAnswerToAnOlderQueryIsIgnored() {
        // a slow first query answering after a newer one must not overwrite the newer rows
        io.omniglass.views.common.BackgroundExecutor deferred = new io.omniglass.views.common.BackgroundExecutor() {
            final java.util.List<Runnable> pending = new java.util.ArrayList<>();

            @Override
            public <T> void submit(java.util.concurrent.Callable<T> work, java.util.function.Consumer<T> ok,
                                   java.util.function.Consumer<Throwable> fail) {
                try {
                    T r = work.call();
                    pending.add(() -> ok.accept(r));
                } catch (Exception e) {
                    pending.add(() -> fail.accept(e));
                }
                if (pending.size() == 2) {
                    pending.get(1).run();
                    pending.get(0).run();
                }
            }

            @Override
            public void onUiThread(Runnable action) {
                action.run();
            }
        };
        CurrentValuesViewModel slow = new CurrentValuesViewModel(service, deferred);
        slow.tenantProperty().set("demo");
        service.rows.add(Fakes.value("component:old", "k", "observed", 1, T0));
        slow.apply();
        service.rows.clear();
        service.rows.add(Fakes.value("component:new", "k", "observed", 2, T0));
        slow.apply();
        assertThat(slow.rows()).extracting(CurrentValue::owner).containsExactly("component:new");
    }
}

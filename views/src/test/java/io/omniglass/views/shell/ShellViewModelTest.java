package io.omniglass.views.shell;

import io.omniglass.views.Fakes;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.services.ConsoleServices;
import io.omniglass.views.services.LiveUpdate;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class ShellViewModelTest {

    @Test
    void liveUpdatesReachTheScreensOncePerFrameAndAlarmChangesReloadAlarms() {
        Fakes.Values values = new Fakes.Values();
        Fakes.Alarms alarms = new Fakes.Alarms();
        List<Consumer<LiveUpdate>> sinks = new ArrayList<>();
        List<Consumer<ConnectionState>> states = new ArrayList<>();
        ConsoleServices services = new ConsoleServices(List::of, values, alarms, null, null, (tenant, updates, state) -> {
            sinks.add(updates);
            states.add(state);
            return () -> { };
        });
        ShellViewModel vm = new ShellViewModel(services, new ImmediateExecutor(), Clock.systemUTC());
        vm.openTenant("demo");
        assertThat(vm.pageProperty().get()).isEqualTo(Page.VALUES);
        int alarmLoads = alarms.filters.size();

        Instant t = Instant.parse("2026-11-21T07:00:00Z");
        for (int i = 0; i < 1000; i++) {
            sinks.get(0).accept(new LiveUpdate.Value(Fakes.value("component:pump-" + (i % 10), "pressure", "observed", i, t)));
            sinks.get(0).accept(new LiveUpdate.RecordChange("alarm", "update", Map.of("id", "1")));
        }
        vm.flushLive();

        assertThat(vm.values().rows()).hasSize(10);
        assertThat(vm.values().liveUpdatesProperty().get()).isEqualTo(10);
        assertThat(alarms.filters).hasSize(alarmLoads + 1);

        states.get(0).accept(ConnectionState.RECONNECTING);
        assertThat(vm.connectionProperty().get()).isEqualTo(ConnectionState.RECONNECTING);
    }
}

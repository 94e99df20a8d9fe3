package io.omniglass.views.fleet;

import io.omniglass.views.services.ServiceException;
import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.FleetSnapshot;
import io.omniglass.views.services.FleetSnapshot.DeploymentPart;
import io.omniglass.views.services.FleetSnapshot.TenantHealth;
import javafx.collections.ListChangeListener;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** The board's logic without a toolkit, at 200 tenants: filter, impaired, order, thresholds, refresh in place. */
class FleetHealthViewModelTest {

    static final int TENANTS = 200;

    /** 200 healthy tenants: data a second old, nothing pending, no dead letters, no alarms. */
    static List<TenantHealth> healthy() {
        List<TenantHealth> out = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            out.add(new TenantHealth(String.format("site_%03d", i), i == 77 ? "Rotterdam harbour" : "Site " + i, "active",
                    10 + i, 0L, 0, 1024L * i, 0.0, "core-1", 1.0, 0L, 0L));
        }
        return out;
    }

    static List<TenantHealth> change(List<TenantHealth> all, String slug, UnaryOperator<TenantHealth> f) {
        return all.stream().map(t -> t.slug().equals(slug) ? f.apply(t) : t).toList();
    }

    static TenantHealth deadLetters(TenantHealth t, long n) {
        return new TenantHealth(t.slug(), t.name(), t.status(), t.ingestPerSecond(), t.sinkBacklog(), n, t.cdcLagBytes(),
                t.cdcLagSeconds(), t.cdcLeader(), t.newestAgeSeconds(), t.activeAlarms(), t.unackedAlarms());
    }

    static TenantHealth stale(TenantHealth t, double ageSeconds) {
        return new TenantHealth(t.slug(), t.name(), t.status(), t.ingestPerSecond(), t.sinkBacklog(), t.deadLetters24h(),
                t.cdcLagBytes(), t.cdcLagSeconds(), t.cdcLeader(), ageSeconds, t.activeAlarms(), t.unackedAlarms());
    }

    static TenantHealth backlog(TenantHealth t, Long n) {
        return new TenantHealth(t.slug(), t.name(), t.status(), t.ingestPerSecond(), n, t.deadLetters24h(),
                t.cdcLagBytes(), t.cdcLagSeconds(), t.cdcLeader(), t.newestAgeSeconds(), t.activeAlarms(), t.unackedAlarms());
    }

    static FleetSnapshot snapshot(List<TenantHealth> tenants) {
        return new FleetSnapshot(Instant.parse("2026-12-01T16:00:00Z"), tenants,
                List.of(new DeploymentPart("core", "core-1", "up", "this console's core", true),
                        new DeploymentPart("postgres", "default", "down", "connection refused", false)));
    }

    static List<String> slugs(FleetHealthViewModel vm) {
        return vm.visibleRows().stream().map(FleetRow::slug).toList();
    }

    @Test
    void filterNarrowsBySlugOrNameAndOnlyImpairedKeepsTheTroubledOnes() {
        List<TenantHealth> fleet = change(change(healthy(), "site_010", t -> deadLetters(t, 3)), "site_150", t -> stale(t, 7_200));
        FleetHealthViewModel vm = new FleetHealthViewModel(() -> snapshot(fleet), new ImmediateExecutor());
        vm.refresh();
        assertThat(vm.visibleRows()).hasSize(TENANTS);
        assertThat(vm.impairedCountProperty().get()).isEqualTo(2);
        assertThat(vm.summary()).isEqualTo("200 of 200 tenants · 2 impaired");

        vm.filterProperty().set("HARBOUR");
        assertThat(slugs(vm)).containsExactly("site_077");
        vm.filterProperty().set("site_01");
        assertThat(slugs(vm)).hasSize(10).contains("site_010", "site_019");

        vm.onlyImpairedProperty().set(true);
        assertThat(slugs(vm)).containsExactly("site_010");
        vm.filterProperty().set("");
        assertThat(slugs(vm)).containsExactlyInAnyOrder("site_010", "site_150");
    }

    @Test
    void thresholdsColourTheCellsAnOperatorWouldLookAt() {
        TenantHealth t = healthy().get(5);
        assertThat(FleetColumn.DEAD_LETTERS.level(t)).isEqualTo(Level.OK);
        assertThat(FleetColumn.DEAD_LETTERS.level(deadLetters(t, 1))).isEqualTo(Level.WARN);
        assertThat(FleetColumn.DEAD_LETTERS.level(deadLetters(t, 100))).isEqualTo(Level.BAD);
        assertThat(FleetColumn.NEWEST.level(stale(t, 299))).isEqualTo(Level.OK);
        assertThat(FleetColumn.NEWEST.level(stale(t, 300))).isEqualTo(Level.WARN);
        assertThat(FleetColumn.NEWEST.level(stale(t, 3_600))).isEqualTo(Level.BAD);
        assertThat(FleetColumn.SINK_BACKLOG.level(backlog(t, 999L))).isEqualTo(Level.OK);
        assertThat(FleetColumn.SINK_BACKLOG.level(backlog(t, 10_000L))).isEqualTo(Level.BAD);
        // not known is a dash, not an alarm
        assertThat(FleetColumn.SINK_BACKLOG.level(backlog(t, null))).isEqualTo(Level.NONE);
        assertThat(FleetColumn.SINK_BACKLOG.text(backlog(t, null))).isEqualTo("–");
        TenantHealth lagging = new TenantHealth("x", null, "active", 0, 0L, 0, 300L << 20, 2.0, null, null, null, null);
        assertThat(FleetColumn.CDC_LAG.level(lagging)).isEqualTo(Level.BAD);
        assertThat(FleetColumn.CDC_LAG.text(lagging)).isEqualTo("300 MiB · 2 s");
        TenantHealth unacked = new TenantHealth("y", null, "active", 0, 0L, 0, 0L, 0.0, null, 2.0, 3L, 1L);
        assertThat(FleetColumn.ACTIVE_ALARMS.level(unacked)).isEqualTo(Level.WARN);
        assertThat(FleetColumn.UNACKED_ALARMS.level(unacked)).isEqualTo(Level.BAD);
        assertThat(FleetColumn.STATUS.level(new TenantHealth("z", null, "provisioning", 0, null, 0, null, null, null, null, null, null)))
                .isEqualTo(Level.BAD);
        assertThat(FleetColumn.NEWEST.text(stale(t, 125))).isEqualTo("2 min ago");
        assertThat(FleetColumn.INGEST.text(t)).isEqualTo("15/s");
    }

    @Test
    void worstFirstUntilAColumnIsChosenAndUnknownValuesSortLast() {
        List<TenantHealth> fleet = change(change(change(healthy(), "site_120", t -> deadLetters(t, 500)),
                "site_030", t -> deadLetters(t, 2)), "site_199", t -> backlog(t, null));
        FleetHealthViewModel vm = new FleetHealthViewModel(() -> snapshot(fleet), new ImmediateExecutor());
        vm.refresh();
        assertThat(slugs(vm).subList(0, 3)).containsExactly("site_120", "site_030", "site_000");

        vm.sortBy(FleetColumn.INGEST, false);
        assertThat(slugs(vm).get(0)).isEqualTo("site_199");
        assertThat(slugs(vm).get(TENANTS - 1)).isEqualTo("site_000");
        vm.sortBy(FleetColumn.SINK_BACKLOG, false);
        assertThat(slugs(vm).get(TENANTS - 1)).as("unknown last, descending too").isEqualTo("site_199");
        vm.sortBy(FleetColumn.SINK_BACKLOG, true);
        assertThat(slugs(vm).get(TENANTS - 1)).as("and ascending").isEqualTo("site_199");
        vm.orderBy(null);
        assertThat(slugs(vm).get(0)).isEqualTo("site_120");
    }

    @Test
    void aRefreshUpdatesRowsInPlaceSoSelectionAndOrderSurviveIt() {
        List<List<TenantHealth>> answers = new ArrayList<>();
        answers.add(healthy());
        answers.add(change(healthy(), "site_042", t -> deadLetters(t, 1000)));
        answers.add(healthy());
        FleetHealthViewModel vm = new FleetHealthViewModel(() -> snapshot(answers.remove(0)), new ImmediateExecutor());
        vm.refresh();
        vm.sortBy(FleetColumn.DEAD_LETTERS, false);
        FleetRow selected = vm.visibleRows().get(150);
        int[] replaced = {0};
        vm.visibleRows().addListener((ListChangeListener<FleetRow>) c -> {
            while (c.next()) {
                if (c.wasReplaced() || (c.wasRemoved() && !c.wasPermutated())) {
                    replaced[0]++;
                }
            }
        });

        vm.refresh();
        // the same row objects, one moved to the top by its new figures; nothing removed and re-added
        assertThat(vm.visibleRows()).hasSize(TENANTS).contains(selected);
        assertThat(vm.visibleRows().get(0).slug()).isEqualTo("site_042");
        assertThat(vm.visibleRows().get(0).health().deadLetters24h()).isEqualTo(1000);
        assertThat(replaced[0]).isZero();
        assertThat(vm.impairedCountProperty().get()).isEqualTo(1);

        vm.onlyImpairedProperty().set(true);
        assertThat(slugs(vm)).containsExactly("site_042");
        vm.refresh(); // it recovers: it leaves the impaired view by itself
        assertThat(slugs(vm)).isEmpty();
        assertThat(vm.impairedCountProperty().get()).isZero();
    }

    @Test
    void tenantsComeAndGoAndTheDeploymentIsShownOnlyWhenTheTokenMaySeeIt() {
        List<FleetSnapshot> answers = new ArrayList<>();
        answers.add(snapshot(healthy()));
        answers.add(new FleetSnapshot(Instant.now(), healthy().subList(0, 199), null));
        FleetHealthViewModel vm = new FleetHealthViewModel(() -> answers.remove(0), new ImmediateExecutor());
        vm.refresh();
        assertThat(vm.deploymentVisibleProperty().get()).isTrue();
        assertThat(vm.deployment()).extracting(DeploymentPart::ok).containsExactly(true, false);
        vm.refresh();
        assertThat(vm.totalCount()).isEqualTo(199);
        assertThat(slugs(vm)).doesNotContain("site_199");
        assertThat(vm.deploymentVisibleProperty().get()).isFalse();
        assertThat(vm.deployment()).isEmpty();
    }

    @Test
    void aRefreshWhileOneIsOnItsWayIsDroppedAndAFailureIsReadable() {
        List<Runnable> pending = new ArrayList<>();
        int[] calls = {0};
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
        boolean[] fail = {false};
        FleetHealthViewModel vm = new FleetHealthViewModel(() -> {
            calls[0]++;
            if (fail[0]) {
                throw new ServiceException(0, "unreachable", "connection refused");
            }
            return snapshot(healthy());
        }, later);
        vm.refresh();
        vm.refresh();
        vm.refresh();
        assertThat(pending).hasSize(1);
        assertThat(vm.busy().isBusy()).isTrue();
        pending.remove(0).run();
        assertThat(calls[0]).isEqualTo(1);
        assertThat(vm.busy().isBusy()).isFalse();
        assertThat(vm.visibleRows()).hasSize(TENANTS);

        fail[0] = true;
        vm.refresh();
        pending.remove(0).run();
        assertThat(vm.errorProperty().get()).startsWith("The core cannot be reached");
        assertThat(vm.visibleRows()).as("the last figures stay on screen").hasSize(TENANTS);
    }
}

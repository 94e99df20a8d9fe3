package io.omniglass.core.cdc;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which sessions are kept open after a drain: only those whose tenant is expected back within the
 * idle period, and in a full pool only in place of one expected back later (never the LRU's
 * newest-pushes-out-oldest, which at 180 tenants closed nearly every session before it was used).
 */
class ParkPolicyTest {

    static final long MS = 1_000_000L;
    static final long IDLE = 10_000 * MS;
    final ParkPolicy policy = new ParkPolicy(IDLE);

    @Test
    void aTenantNotExpectedBackWithinTheIdlePeriodIsNotParkedEvenWithRoom() {
        assertThat(policy.decide(IDLE + 1, false, 0, Map.<String, ParkPolicy.Entry>of(), 12).park()).isFalse();
        assertThat(policy.decide(IDLE, false, 0, Map.<String, ParkPolicy.Entry>of(), 12).park()).isTrue();
    }

    @Test
    void withRoomATenantWithoutHistoryIsParked() {
        var d = policy.decide(ParkPolicy.UNKNOWN, false, 0, Map.<String, ParkPolicy.Entry>of(), 1);
        assertThat(d.park()).isTrue();
        assertThat(d.evict()).isNull();
    }

    @Test
    void noneAreParkedWithoutPlaces() {
        assertThat(policy.decide(1, false, 0, Map.<String, ParkPolicy.Entry>of(), 0).park()).isFalse();
    }

    @Test
    void aFullPoolGivesAPlaceOnlyToOneExpectedBackSoonerAndPushesOutTheLatest() {
        long now = 1_000 * MS;
        Map<String, ParkPolicy.Entry> parked = new LinkedHashMap<>();
        parked.put("soon", new ParkPolicy.Entry(500 * MS, now - 100 * MS, false)); // back at now + 400 ms
        parked.put("later", new ParkPolicy.Entry(5_000 * MS, now - 1_000 * MS, false)); // back at now + 4 s

        var sooner = policy.decide(2_000 * MS, false, now, parked, 2); // back at now + 2 s
        assertThat(sooner.park()).isTrue();
        assertThat(sooner.evict()).isEqualTo("later");

        var notSooner = policy.decide(4_000 * MS, false, now, parked, 2); // back at now + 4 s: a tie is no reason
        assertThat(notSooner.park()).isFalse();
        assertThat(notSooner.evict()).isNull();
    }

    @Test
    void tenantsAlikeKeepTheirPlacesInsteadOfPushingOneAnotherOut() {
        // every tenant drains every 3 s: the one parked longest is back first; a newcomer later than all
        long now = 100_000 * MS;
        Map<String, ParkPolicy.Entry> parked = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            parked.put("t" + i, new ParkPolicy.Entry(3_000 * MS, now - i * 200 * MS, false));
        }
        assertThat(policy.decide(3_000 * MS, false, now, parked, 12).park()).isFalse();
    }

    @Test
    void anOverdueSessionGoesFirstEvenForANewcomerWithoutHistory() {
        long now = 100_000 * MS;
        Map<String, ParkPolicy.Entry> parked = new LinkedHashMap<>();
        parked.put("overdue", new ParkPolicy.Entry(1_000 * MS, now - 2_500 * MS, false)); // expected 1.5 s ago, twice its interval gone
        parked.put("due", new ParkPolicy.Entry(1_000 * MS, now - 500 * MS, false));
        var d = policy.decide(ParkPolicy.UNKNOWN, false, now, parked, 2);
        assertThat(d.park()).isTrue();
        assertThat(d.evict()).isEqualTo("overdue");
    }

    @Test
    void aNewcomerWithoutHistoryDoesNotPushOutOneExpectedBackWithinTheIdlePeriod() {
        long now = 100_000 * MS;
        Map<String, ParkPolicy.Entry> parked = Map.of("due", new ParkPolicy.Entry(1_000 * MS, now - 500 * MS, false));
        assertThat(policy.decide(ParkPolicy.UNKNOWN, false, now, parked, 1).park()).isFalse();
    }
    @Test
    void aSessionIsKeptForTwiceItsTenantsIntervalAtMostTheIdlePeriodAndBrieflyWithoutOne() {
        assertThat(policy.holdNanos(3_000 * MS)).as("a tenant back every 3 s").isEqualTo(6_000 * MS);
        assertThat(policy.holdNanos(8_000 * MS)).as("every 8 s: capped at the idle period").isEqualTo(IDLE);
        assertThat(policy.holdNanos(ParkPolicy.UNKNOWN)).as("no interval yet (a first commit: provisioning)")
                .isEqualTo(ParkPolicy.FIRST_HOLD_NANOS);
        assertThat(policy.holdNanos(100 * MS)).as("a burst of commits: at least the brief hold").isEqualTo(ParkPolicy.FIRST_HOLD_NANOS);
    }

    @Test
    void aSessionPastItsHoldIsOverdueAndGoesFirst() {
        long now = 100_000 * MS;
        Map<String, ParkPolicy.Entry> parked = new LinkedHashMap<>();
        parked.put("first", new ParkPolicy.Entry(ParkPolicy.UNKNOWN, now - ParkPolicy.FIRST_HOLD_NANOS - MS, false));
        parked.put("due", new ParkPolicy.Entry(4_000 * MS, now - 1_000 * MS, false)); // back at now + 3 s
        var d = policy.decide(6_000 * MS, false, now, parked, 2); // back at now + 6 s: later than "due", sooner than never
        assertThat(d.park()).isTrue();
        assertThat(d.evict()).isEqualTo("first");
    }

    @Test
    void aSessionWhoseTenantIsBackIsNeverPushedOut() {
        long now = 100_000 * MS;
        Map<String, ParkPolicy.Entry> parked = new LinkedHashMap<>();
        parked.put("back", new ParkPolicy.Entry(9_000 * MS, now - 8_000 * MS, true)); // its commit waits for a session
        var d = policy.decide(1_000 * MS, false, now, parked, 1);
        assertThat(d.park()).isFalse();
        assertThat(d.evict()).isNull();
    }
    @Test
    void aTenantBackAlreadyIsParkedWhateverItsIntervalAndPushesOutOneExpectedLater() {
        long now = 100_000 * MS;
        assertThat(policy.decide(3 * IDLE, true, now, Map.<String, ParkPolicy.Entry>of(), 1).park())
                .as("a commit came during its drain, after a long quiet spell").isTrue();
        Map<String, ParkPolicy.Entry> parked = Map.of("due", new ParkPolicy.Entry(1_000 * MS, now - 500 * MS, false));
        var d = policy.decide(3 * IDLE, true, now, parked, 1);
        assertThat(d.park()).isTrue();
        assertThat(d.evict()).isEqualTo("due");
    }
}

package io.omniglass.core.lanes;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The shared scheduler on its own: lanes are served round-robin, one at a time each, woken ones before backlogs, and cost nothing when idle. */
class LanesTest {

    Lanes lanes;

    @BeforeEach
    void start() {
        lanes = Lanes.start(new Lanes.Settings(2, 1, 1));
    }

    @AfterEach
    void stop() {
        lanes.close();
    }

    @Test
    void aLaneWithABacklogTakesTurnsWithTheOthers() {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger backlog = new AtomicInteger(1000);
        Lane big = lanes.lane("big", () -> {
            order.add("big");
            sleep(5);
            return backlog.decrementAndGet() > 0;
        });
        big.signal();
        await().atMost(Duration.ofSeconds(5)).until(() -> order.size() >= 5);
        // while the backlog drains, ten small lanes get work: each is served within a few turns
        List<Long> waitedMs = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            String name = "small-" + i;
            lanes.lane(name, () -> {
                order.add(name);
                waitedMs.add((System.nanoTime() - t0) / 1_000_000);
                return false;
            }).signal();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> waitedMs.size() == 10);
        assertThat(backlog.get()).as("the backlog is still draining").isPositive();
        assertThat(waitedMs).allSatisfy(ms -> assertThat(ms).isLessThan(500));
        await().atMost(Duration.ofSeconds(30)).until(() -> backlog.get() <= 0);
    }

    @Test
    void aWokenLaneGoesBeforeEveryQueuedBacklogTurnAndBacklogsNeverHoldEveryWorker() {
        // six lanes draining backlogs on two workers: with one ready queue a woken lane waited behind all six
        AtomicInteger backlogTurns = new AtomicInteger();
        AtomicInteger backlogInside = new AtomicInteger();
        AtomicInteger mostBacklogInside = new AtomicInteger();
        List<AtomicInteger> backlogs = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            AtomicInteger left = new AtomicInteger(60);
            backlogs.add(left);
            lanes.lane("backlog-" + b, () -> {
                // a lane's first turn came from a signal (news); the ones after it from the backlog queue
                boolean fromBacklog = left.get() < 60;
                if (fromBacklog) {
                    mostBacklogInside.accumulateAndGet(backlogInside.incrementAndGet(), Math::max);
                }
                backlogTurns.incrementAndGet();
                sleep(2);
                if (fromBacklog) {
                    backlogInside.decrementAndGet();
                }
                return left.decrementAndGet() > 0;
            }).signal();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backlogTurns.get() >= 12);
        List<Integer> backlogTurnsBeforeServed = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 20; i++) {
            AtomicInteger at = new AtomicInteger();
            AtomicInteger served = new AtomicInteger(-1);
            Lane woken = lanes.lane("woken-" + i, () -> {
                served.set(backlogTurns.get() - at.get());
                return false;
            });
            at.set(backlogTurns.get());
            woken.signal();
            await().atMost(Duration.ofSeconds(10)).until(() -> served.get() >= 0);
            backlogTurnsBeforeServed.add(served.get());
        }
        // at most the one backlog turn that was already running on the other worker (or just starting) ends first
        assertThat(backlogTurnsBeforeServed).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> backlogs.stream().allMatch(l -> l.get() <= 0));
        assertThat(mostBacklogInside.get()).as("backlog turns at once on two workers").isEqualTo(1);
    }

    @Test
    void lanesMarkedBehindWaitBehindWokenLanesWhoeverWakesThem() {
        // the sink's shape: a preparing lane hands each batch to a writing lane, which wakes the preparing
        // lane for the next; four tenants draining backlogs that way, each turn ending with the other's wake-up
        AtomicInteger backlogTurns = new AtomicInteger();
        AtomicInteger backlogInside = new AtomicInteger();
        AtomicInteger mostBacklogInside = new AtomicInteger();
        List<AtomicInteger> backlogs = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            AtomicInteger left = new AtomicInteger(150);
            backlogs.add(left);
            Lane[] pair = new Lane[2];
            for (int side = 0; side < 2; side++) {
                int other = 1 - side;
                pair[side] = lanes.lane("pair-" + b + "-" + side, () -> {
                    mostBacklogInside.accumulateAndGet(backlogInside.incrementAndGet(), Math::max);
                    backlogTurns.incrementAndGet();
                    sleep(2);
                    backlogInside.decrementAndGet();
                    if (left.decrementAndGet() > 0) {
                        pair[other].signal();
                    }
                    return false;
                });
                pair[side].markBehind(true);
            }
            pair[0].signal();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backlogTurns.get() >= 12);
        List<Integer> backlogTurnsBeforeServed = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 20; i++) {
            AtomicInteger at = new AtomicInteger();
            AtomicInteger served = new AtomicInteger(-1);
            Lane woken = lanes.lane("woken-" + i, () -> {
                served.set(backlogTurns.get() - at.get());
                return false;
            });
            at.set(backlogTurns.get());
            woken.signal();
            await().atMost(Duration.ofSeconds(10)).until(() -> served.get() >= 0);
            backlogTurnsBeforeServed.add(served.get());
        }
        // not marked behind, the wake-ups were news: a woken lane queued behind up to four of them
        assertThat(backlogTurnsBeforeServed).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> backlogs.stream().allMatch(l -> l.get() <= 0));
        assertThat(mostBacklogInside.get()).as("backlog turns at once on two workers").isEqualTo(1);
    }

    @Test
    void backlogTurnsHoldAtMostHalfTheWorkers() {
        Lanes four = Lanes.start(new Lanes.Settings(4, 1, 1));
        try {
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            List<AtomicInteger> backlogs = new ArrayList<>();
            for (int b = 0; b < 6; b++) {
                AtomicInteger left = new AtomicInteger(40);
                backlogs.add(left);
                Lane lane = four.lane("backlog-" + b, () -> {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    sleep(3);
                    inside.decrementAndGet();
                    return left.decrementAndGet() > 0;
                });
                lane.markBehind(true);
                lane.signal();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> backlogs.stream().allMatch(l -> l.get() <= 0));
            // six lanes with work on four workers: two of them are always kept for lanes woken by news
            assertThat(most.get()).as("backlog turns at once on four workers").isEqualTo(2);
        } finally {
            four.close();
        }
    }

    @Test
    void backlogsStillMoveWhileWokenLanesKeepComing() {
        Lanes one = Lanes.start(new Lanes.Settings(1, 1, 1));
        try {
            AtomicInteger left = new AtomicInteger(20);
            one.lane("backlog", () -> left.decrementAndGet() > 0).signal();
            // a woken lane that is always woken again during its turn would keep the worker forever in a strict order
            Lane[] busy = new Lane[1];
            busy[0] = one.lane("always-woken", () -> {
                busy[0].signal();
                return false;
            });
            busy[0].signal();
            await().atMost(Duration.ofSeconds(10)).until(() -> left.get() <= 0);
        } finally {
            one.close();
        }
    }

    @Test
    void aLaneNeverRunsOnTwoWorkersAtOnceAndEverySignalIsAnswered() {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger pending = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Lane lane = lanes.lane("serial", () -> {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            sleep(1);
            int n = pending.getAndSet(0);
            done.addAndGet(n);
            inside.decrementAndGet();
            return false;
        });
        for (int i = 0; i < 500; i++) {
            pending.incrementAndGet();
            lane.signal();
            if (i % 50 == 0) {
                sleep(3);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 500);
        assertThat(overlaps.get()).isZero();
    }

    @Test
    void aParkedLaneWakesAfterItsPauseWithoutHoldingAWorker() {
        AtomicInteger turns = new AtomicInteger();
        long[] second = new long[1];
        long t0 = System.nanoTime();
        Lane[] self = new Lane[1];
        self[0] = lanes.lane("parked", () -> {
            if (turns.incrementAndGet() == 1) {
                self[0].parkAfterTurn(300);
                return true;
            }
            second[0] = System.nanoTime();
            return false;
        });
        self[0].signal();
        // meanwhile both workers are free for others
        AtomicInteger others = new AtomicInteger();
        for (int i = 0; i < 20; i++) {
            lanes.lane("other-" + i, () -> {
                others.incrementAndGet();
                return false;
            }).signal();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> turns.get() == 2);
        assertThat(others.get()).isEqualTo(20);
        assertThat((second[0] - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
    }

    @Test
    void idleLanesAreInNoQueue() {
        for (int i = 0; i < 1000; i++) {
            lanes.lane("idle-" + i, () -> false);
        }
        assertThat(lanes.readyLanes()).isZero();
        assertThat(lanes.busyWorkers()).isZero();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

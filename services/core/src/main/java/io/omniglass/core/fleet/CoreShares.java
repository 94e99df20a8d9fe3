package io.omniglass.core.fleet;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.omniglass.api.WireJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Several cores split a tenant's sink (one shared durable consumer), so each knows only its share
 * of the ingest rate, the dead letters and the newest datapoint. The board asks the other live
 * cores for their shares on {@value #SUBJECT} (each core answers with what its meters hold, from
 * memory) and sums them; a core that does not answer within {@link #WAIT} is left out and the
 * answer says how many cores it counted. With one core nothing is sent.
 */
final class CoreShares {

    private static final Logger log = LoggerFactory.getLogger(CoreShares.class);
    static final String SUBJECT = "og._control.fleet.figures";
    static final Duration WAIT = Duration.ofMillis(800);

    /** One core's figures of one tenant; null where it has none. */
    record Share(@JsonProperty("ingest") Double ingest, @JsonProperty("dlq") Double deadLetters,
                 @JsonProperty("newest") Double newest, @JsonProperty("pending") Double pending,
                 @JsonProperty("cdc_lag_seconds") Double cdcLagSeconds) {

        static Share of(LocalFigures f, String tenant) {
            return new Share(f.get(LocalFigures.INGEST_RATE, tenant), f.get(LocalFigures.DLQ_LAST_DAY, tenant),
                    f.get(LocalFigures.NEWEST_DATAPOINT, tenant), f.get(LocalFigures.SINK_PENDING, tenant),
                    f.get(LocalFigures.CDC_LAG_SECONDS, tenant));
        }

        /** Rates and counts add up; the newest datapoint, the backlog and the CDC age are the largest any core saw. */
        Share plus(Share o) {
            return new Share(sum(ingest, o.ingest), sum(deadLetters, o.deadLetters), max(newest, o.newest),
                    max(pending, o.pending), max(cdcLagSeconds, o.cdcLagSeconds));
        }

        // if/else, not ?: — a conditional mixing Double and double unboxes the null branch
        private static Double sum(Double a, Double b) {
            if (a == null) {
                return b;
            }
            if (b == null) {
                return a;
            }
            return Double.valueOf(a + b);
        }

        private static Double max(Double a, Double b) {
            if (a == null) {
                return b;
            }
            if (b == null) {
                return a;
            }
            return Double.valueOf(Math.max(a, b));
        }
    }

    /** A core's answer: its id and its shares by tenant. */
    record Answer(@JsonProperty("core") String core, @JsonProperty("tenants") Map<String, Share> tenants) {
    }

    /** The summed shares and the cores they came from. */
    record Summed(Map<String, Share> tenants, int cores) {
    }

    private CoreShares() {
    }

    static Answer local(String me, MeterRegistry registry) {
        LocalFigures f = LocalFigures.read(registry);
        Map<String, Share> out = new HashMap<>();
        for (String tenant : f.tenants()) {
            out.put(tenant, Share.of(f, tenant));
        }
        return new Answer(me, out);
    }

    /** Answers a peer's question with this core's shares (on the NATS dispatcher thread; memory only). */
    static void answer(Message question, Connection nats, String me, MeterRegistry registry) {
        if (question.getReplyTo() == null) {
            return;
        }
        try {
            nats.publish(question.getReplyTo(), WireJson.mapper().writeValueAsBytes(local(me, registry)));
        } catch (Exception e) {
            log.debug("fleet health: could not answer a peer: {}", e.toString());
        }
    }

    /** This core's shares plus those of {@code peers} (the other live cores) that answer in time. */
    static Summed gather(Connection nats, String me, MeterRegistry registry, Set<String> peers) {
        List<Answer> answers = new ArrayList<>();
        answers.add(local(me, registry));
        if (!peers.isEmpty()) {
            String inbox = nats.createInbox();
            Subscription sub = nats.subscribe(inbox);
            try {
                nats.publish(SUBJECT, inbox, new byte[0]);
                long deadline = System.nanoTime() + WAIT.toNanos();
                Set<String> waiting = new java.util.HashSet<>(peers);
                while (!waiting.isEmpty()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    Message m = sub.nextMessage(Duration.ofNanos(left));
                    if (m == null) {
                        break;
                    }
                    Answer a = WireJson.mapper().readValue(m.getData(), Answer.class);
                    if (a.core() != null && waiting.remove(a.core())) {
                        answers.add(a);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("fleet health: peers' figures unreadable: {}", e.toString());
            } finally {
                sub.unsubscribe();
            }
        }
        Map<String, Share> summed = new HashMap<>();
        for (Answer a : answers) {
            if (a.tenants() != null) {
                a.tenants().forEach((t, s) -> summed.merge(t, s, Share::plus));
            }
        }
        return new Summed(summed, answers.size());
    }
}

package io.omniglass.core.deadletters;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.omniglass.api.DeadLetter;
import io.omniglass.api.DeadLetterResult;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.lane.LaneHeaders;
import io.omniglass.api.lane.LaneSubjects;
import io.omniglass.core.gateway.GatewaySession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Re-drive and discard, one dead letter at a time with a result each. A re-drive publishes the
 * body (or the operator's edit of it) on the data-lane subject it first came on, with its
 * original headers, and waits for the PubAck; only then are the audit row written and the dead
 * letter removed, in one transaction. Its {@code Nats-Msg-Id} is derived from the dead letter and
 * the body, so a re-drive repeated after a failure between the PubAck and the removal is dropped
 * by JetStream's duplicate window; past the window the sink's (series, ts) idempotency keeps one
 * row. A re-driven datapoint that is still refused comes back as a new dead letter with its reason.
 */
final class DeadLetterActions {

    /** Headers the sink adds to a dead letter; they describe the refusal, not the datapoint. */
    private static final Set<String> REFUSAL_HEADERS = Set.of(LaneHeaders.ERROR, LaneHeaders.ERROR_INDEX,
            DeadLetterStream.SUBJECT, DeadLetterStream.REDRIVEN_FROM);
    private static final Set<String> KINDS = Set.of("metric", "state", "log");
    /** Bodies kept in an audit row up to this size (a bad_json message may be a whole megabyte). */
    private static final int AUDIT_BODY_LIMIT = 16 * 1024;

    private final GatewaySession session;
    private final Connection nats;
    private final DeadLetterStream stream;

    DeadLetterActions(GatewaySession session, Connection nats) throws IOException {
        this.session = session;
        this.nats = nats;
        this.stream = new DeadLetterStream(nats, session.tenant().slug());
    }

    List<DeadLetterResult> redrive(List<Long> ids, Map<Long, JsonNode> edits, String reason) {
        List<DeadLetterResult> out = new ArrayList<>(ids.size());
        for (Long id : ids) {
            out.add(id == null ? new DeadLetterResult(0, DeadLetterResult.FAILED, "a dead-letter id must be a number")
                    : redriveOne(id, edits == null ? null : edits.get(id), reason));
        }
        return out;
    }

    List<DeadLetterResult> discard(List<Long> ids, String reason) {
        List<DeadLetterResult> out = new ArrayList<>(ids.size());
        for (Long id : ids) {
            out.add(id == null ? new DeadLetterResult(0, DeadLetterResult.FAILED, "a dead-letter id must be a number")
                    : discardOne(id, reason));
        }
        return out;
    }

    private DeadLetterResult redriveOne(long id, JsonNode edit, String reason) {
        try {
            Optional<MessageInfo> found = stream.get(id);
            if (found.isEmpty()) {
                return notFound(id);
            }
            MessageInfo m = found.get();
            DeadLetter d = DeadLetterStream.decode(m);
            String subject = d.subject();
            String tenant = session.tenant().slug();
            if (!subject.startsWith("og." + tenant + ".dp.") || !KINDS.contains(LaneSubjects.kind(subject))) {
                return failed(id, "the dead letter names no data-lane subject of this tenant (" + LaneHeaders.ERROR
                        + " came without " + DeadLetterStream.SUBJECT + "): it cannot be re-driven, only discarded");
            }
            byte[] body = edit == null ? m.getData() : edit.isTextual()
                    ? edit.asText().getBytes(StandardCharsets.UTF_8) : OmniglassClient.JSON.writeValueAsBytes(edit);
            if (body == null || body.length == 0) {
                return failed(id, "the body to re-drive is empty");
            }
            if (body.length > nats.getMaxPayload()) {
                return failed(id, "the body is " + body.length + " bytes; the data lane takes at most " + nats.getMaxPayload());
            }
            Headers h = new Headers();
            if (m.getHeaders() != null) {
                for (String name : m.getHeaders().keySet()) {
                    if (!REFUSAL_HEADERS.contains(name) && !name.regionMatches(true, 0, "Nats-", 0, 5)) {
                        h.put(name, m.getHeaders().get(name));
                    }
                }
            }
            h.put(DeadLetterStream.REDRIVEN_FROM, Long.toString(id));
            String msgId = "og-redrive-" + id + "-" + digest(body);
            PublishAck ack = nats.jetStream().publish(subject, h, body, PublishOptions.builder()
                    .messageId(msgId).streamTimeout(Duration.ofSeconds(10)).build());
            Map<String, Object> old = snapshot(d);
            Map<String, Object> neu = new LinkedHashMap<>();
            neu.put("reason", blankToNull(reason));
            neu.put("edited", edit != null);
            if (edit != null) {
                neu.put("body", clip(new String(body, StandardCharsets.UTF_8)));
            }
            neu.put("subject", subject);
            neu.put("msg_id", msgId);
            neu.put("data_seq", ack.getSeqno());
            try {
                session.transaction(tx -> {
                    session.audit(tx, "dead_letter.redrive", "dead_letter:" + id, old, neu);
                    stream.delete(id); // already gone means a concurrent re-drive of the same id: its PubAck deduplicated ours
                    return null;
                });
            } catch (RuntimeException e) {
                // it is on the data lane; only its record failed: a repeat is dropped as a duplicate
                return failed(id, "re-driven (data-lane sequence " + ack.getSeqno() + ") but not recorded, so it is still listed: "
                        + describe(e) + "; re-drive it again to record it (the repeat is deduplicated)");
            }
            return new DeadLetterResult(id, DeadLetterResult.OK, null);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return failed(id, "not re-driven (the dead letter is kept): " + describe(e));
        }
    }

    private DeadLetterResult discardOne(long id, String reason) {
        try {
            Optional<MessageInfo> found = stream.get(id);
            if (found.isEmpty()) {
                return notFound(id);
            }
            Map<String, Object> old = snapshot(DeadLetterStream.decode(found.get()));
            boolean removed = session.transaction(tx -> {
                session.audit(tx, "dead_letter.discard", "dead_letter:" + id, old, Map.of("reason", reason.trim()));
                if (!stream.delete(id)) {
                    throw new Gone(); // discarded or re-driven by someone else meanwhile: no audit row for us
                }
                return true;
            });
            return removed ? new DeadLetterResult(id, DeadLetterResult.OK, null) : notFound(id);
        } catch (Gone e) {
            return notFound(id);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return failed(id, "not discarded (the dead letter is kept): " + describe(e));
        }
    }

    private static final class Gone extends RuntimeException {
        Gone() {
            super(null, null, false, false);
        }
    }

    private static Map<String, Object> snapshot(DeadLetter d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", d.reason());
        m.put("detail", d.detail());
        m.put("subject", d.subject());
        m.put("index", d.index());
        m.put("time", d.time().toString());
        m.put("body", clip(d.body()));
        List<String> original = d.headers().get(DeadLetterStream.ORIGINAL_MSG_ID);
        m.put("original_msg_id", original == null || original.isEmpty() ? null : original.get(0));
        return m;
    }

    private static String clip(String body) {
        return body.length() <= AUDIT_BODY_LIMIT ? body : body.substring(0, AUDIT_BODY_LIMIT) + "…(" + body.length() + " chars)";
    }

    private static String digest(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static DeadLetterResult notFound(long id) {
        return new DeadLetterResult(id, DeadLetterResult.NOT_FOUND, "no dead letter " + id + " (re-driven or discarded already?)");
    }

    private static DeadLetterResult failed(long id, String why) {
        return new DeadLetterResult(id, DeadLetterResult.FAILED, why);
    }
}

package io.omniglass.core.deadletters;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import io.omniglass.api.DeadLetter;
import io.omniglass.api.lane.LaneHeaders;
import io.omniglass.core.tenancy.TenantStreams;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A tenant's dead letters where the sink put them: the JetStream stream {@code OG_<T>_DLQ}. Read by
 * sequence with the stream's own "next message at or after" request (no consumer is created, so
 * a read leaves nothing behind and an idle console costs nothing), removed one by one.
 */
final class DeadLetterStream {

    /** The sink's header naming the subject a dead letter was published on. */
    static final String SUBJECT = "Og-Subject";
    /** The sink's header carrying the refused message's own id. */
    static final String ORIGINAL_MSG_ID = "Og-Original-Msg-Id";
    /** Set on a re-driven message: the dead letter it came from. */
    static final String REDRIVEN_FROM = "Og-Redriven-From";

    /** No such message in the stream (JetStream's error code). */
    private static final int NO_MESSAGE = 10037;

    private final JetStreamManagement jsm;
    private final String stream;
    private final String subject;

    DeadLetterStream(Connection nats, String tenant) throws IOException {
        this.jsm = nats.jetStreamManagement();
        this.stream = TenantStreams.dlqStream(tenant);
        this.subject = TenantStreams.dlqSubject(tenant);
    }

    /** Messages in the stream. */
    long total() throws IOException, JetStreamApiException {
        return jsm.getStreamInfo(stream).getStreamState().getMsgCount();
    }

    /** The result of one scan: what matched, and the last sequence looked at (0: none). */
    record Scan(List<DeadLetter> items, long lastSeen, boolean more) {
    }

    /**
     * Up to {@code limit} dead letters after sequence {@code after} that pass {@code filter},
     * looking at {@code maxScan} messages at most; {@code more} says whether the stream goes on.
     */
    Scan scan(long after, Predicate<DeadLetter> filter, int limit, int maxScan) throws IOException, JetStreamApiException {
        List<DeadLetter> out = new ArrayList<>();
        long seq = after;
        int scanned = 0;
        while (out.size() < limit && scanned < maxScan) {
            Optional<MessageInfo> m = next(seq + 1);
            if (m.isEmpty()) {
                return new Scan(out, seq, false);
            }
            seq = m.get().getSeq();
            scanned++;
            DeadLetter d = decode(m.get());
            if (filter.test(d)) {
                out.add(d);
            }
        }
        return new Scan(out, seq, next(seq + 1).isPresent());
    }

    Optional<MessageInfo> get(long seq) throws IOException, JetStreamApiException {
        try {
            return Optional.of(jsm.getMessage(stream, seq));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NO_MESSAGE) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Removes one message; false when it is not there (any more). */
    boolean delete(long seq) throws IOException, JetStreamApiException {
        try {
            return jsm.deleteMessage(stream, seq, false);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NO_MESSAGE) {
                return false;
            }
            throw e;
        }
    }

    private Optional<MessageInfo> next(long from) throws IOException, JetStreamApiException {
        try {
            return Optional.of(jsm.getNextMessage(stream, from, subject));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NO_MESSAGE) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static DeadLetter decode(MessageInfo m) {
        Headers h = m.getHeaders();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String error = "";
        String original = null;
        Integer index = null;
        if (h != null) {
            for (String name : h.keySet()) {
                headers.put(name, List.copyOf(h.get(name)));
            }
            error = h.getFirst(LaneHeaders.ERROR) == null ? "" : h.getFirst(LaneHeaders.ERROR);
            original = h.getFirst(SUBJECT);
            String i = h.getFirst(LaneHeaders.ERROR_INDEX);
            if (i != null) {
                try {
                    index = Integer.valueOf(i);
                } catch (NumberFormatException ignored) {
                    // a header the sink did not write: shown as it is, no index
                }
            }
        }
        int colon = error.indexOf(':');
        String reason = colon < 0 ? error.trim() : error.substring(0, colon).trim();
        String detail = colon < 0 ? "" : error.substring(colon + 1).trim();
        byte[] data = m.getData() == null ? new byte[0] : m.getData();
        return new DeadLetter(m.getSeq(), m.getTime().toOffsetDateTime().withOffsetSameInstant(ZoneOffset.UTC),
                reason, detail, original == null ? "" : original, index, new String(data, StandardCharsets.UTF_8), headers);
    }
}

package io.omniglass.core.sink;

import io.nats.client.impl.Headers;
import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneDatapoint;
import io.omniglass.api.lane.LaneHeaders;
import io.omniglass.schema.tenant.enums.Provenance;

import java.util.function.Consumer;

/** The lane's one decoder ({@link LaneCodec}) in the sink's terms: candidates to look up, rejections to dead-letter. */
final class MessageDecoder {

    private MessageDecoder() {
    }

    /**
     * Decodes {@code body}; each datapoint becomes a candidate or a rejection. Returns the number of
     * datapoints the message held (0 when the message itself is unreadable).
     */
    static int decode(int message, String subject, Headers headers, byte[] body,
                      Consumer<Candidate> accepted, Consumer<Rejection> rejected) {
        return LaneCodec.decode(subject, header(headers, LaneHeaders.CORRELATION_ID),
                header(headers, LaneHeaders.CAUSED_BY_EVENT_ID), body,
                d -> accepted.accept(candidate(message, d)),
                r -> rejected.accept(new Rejection(r.reason(), r.detail(), r.index(), r.body())));
    }

    private static Candidate candidate(int message, LaneCodec.Decoded d) {
        LaneDatapoint dp = d.datapoint();
        return new Candidate(message, d.index(), d.raw(), d.kind(), OwnerRef.of(d.owner()), dp.key(), dp.instance(),
                Provenance.valueOf(dp.provenance()), dp.source(), dp.sourceRule(), dp.sourceRuleVersion(),
                dp.eventId(), dp.ts(), dp.value(), d.correlationId(), d.causedByEventId());
    }

    private static String header(Headers headers, String name) {
        return headers == null ? null : headers.getFirst(name);
    }
}

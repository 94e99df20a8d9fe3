package io.omniglass.core.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.StreamInfo;
import io.omniglass.core.tenancy.TenantStreams;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads a tenant's CDC stream from its first message, as a consumer of the feed would. */
final class CdcFeed {

    /** Decimals as BigDecimal: the feed carries numerics exactly, and the test checks that. */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    record Change(long seq, String msgId, String subject, JsonNode body, long storedAtMillis, String batchId) {

        Change(long seq, String msgId, String subject, JsonNode body, long storedAtMillis) {
            this(seq, msgId, subject, body, storedAtMillis, null);
        }

        String op() {
            return body.get("op").asText();
        }

        String table() {
            return body.get("table").asText();
        }

        JsonNode row() {
            return body.get("row");
        }
    }

    private CdcFeed() {
    }

    /** Every message in the stream now, in stream order. */
    static List<Change> readAll(String natsUrl, String tenant) throws Exception {
        try (Connection nc = Nats.connect(natsUrl)) {
            String stream = TenantStreams.cdcStream(tenant);
            StreamInfo info = nc.jetStreamManagement().getStreamInfo(stream);
            long last = info.getStreamState().getLastSequence();
            List<Change> out = new ArrayList<>();
            if (info.getStreamState().getMsgCount() == 0) {
                return out;
            }
            JetStream js = nc.jetStream();
            JetStreamSubscription sub = js.subscribe("og." + tenant + ".cdc.>",
                    PushSubscribeOptions.builder().stream(stream).ordered(true).build());
            while (true) {
                Message m = sub.nextMessage(Duration.ofSeconds(10));
                if (m == null) {
                    throw new IllegalStateException("stream " + stream + " read stalled at " + out.size() + " of " + last);
                }
                long seq = m.metaData().streamSequence();
                out.add(new Change(seq, m.getHeaders() == null ? null : m.getHeaders().getFirst("Nats-Msg-Id"),
                        m.getSubject(), JSON.readTree(m.getData()),
                        m.metaData().timestamp().toInstant().toEpochMilli(),
                        m.getHeaders() == null ? null : m.getHeaders().getFirst("Nats-Batch-Id")));
                if (seq >= last) {
                    break;
                }
            }
            sub.unsubscribe();
            return out;
        }
    }

    /**
     * Changes one setting of a stream through JetStream's own API, keeping every other one as the
     * server holds it ({@code allow_atomic} included, which this jnats does not model).
     */
    static void updateStreamConfig(String natsUrl, String stream, String key, String jsonValue) throws Exception {
        try (Connection nc = Nats.connect(natsUrl)) {
            Message m = nc.request("$JS.API.STREAM.INFO." + stream, null, Duration.ofSeconds(10));
            var json = io.nats.client.support.JsonParser.parse(new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8));
            java.util.Map<String, io.nats.client.support.JsonValue> config = new java.util.LinkedHashMap<>(json.map.get("config").map);
            config.put(key, io.nats.client.support.JsonParser.parse(jsonValue));
            String answer = new String(nc.request("$JS.API.STREAM.UPDATE." + stream,
                    new io.nats.client.support.JsonValue(config).toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    Duration.ofSeconds(10)).getData(), java.nio.charset.StandardCharsets.UTF_8);
            if (answer.contains("\"error\"")) {
                throw new IllegalStateException("stream " + stream + ": " + key + "=" + jsonValue + " refused: " + answer);
            }
        }
    }

    static long count(String natsUrl, String tenant) throws IOException, InterruptedException {
        try (Connection nc = Nats.connect(natsUrl)) {
            return nc.jetStreamManagement().getStreamInfo(TenantStreams.cdcStream(tenant)).getStreamState().getMsgCount();
        } catch (io.nats.client.JetStreamApiException e) {
            throw new IOException(e);
        }
    }
}

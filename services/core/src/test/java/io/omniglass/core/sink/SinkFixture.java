package io.omniglass.core.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.tenancy.TenantStreams;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Publishing to a tenant's data lane and reading what landed, for the sink tests. */
final class SinkFixture implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SMALL_PLANT = """
            name: test-plant
            locations: [{name: site}]
            systems: [{name: loop, location: site}]
            components:
              - {name: pump-1, type: pump, system: loop, location: site}
              - {name: pump-2, type: pump, system: loop, location: site}
              - {name: valve-1, type: valve, system: loop, location: site}
            nodes: [{name: edge-1, location: site}]
            datapoint_types:
              - {name: discharge_pressure, kind: metric, unit: bar}
            """;

    final String slug;
    final DataSource db;
    final Connection nats;
    final JetStream js;

    SinkFixture(String slug, DataSource db, String natsUrl) throws Exception {
        this.slug = slug;
        this.db = db;
        this.nats = Nats.connect(natsUrl);
        this.js = nats.jetStream();
    }

    void importPlant(String yaml) {
        new PlantImporter(db).importPlant(PlantDescription.parseTree(yaml), "test", slug);
    }

    static Map<String, Object> dp(String owner, String key, Instant ts, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", owner);
        m.put("key", key);
        m.put("ts", ts.toString());
        m.put("value", value);
        m.put("source", "test");
        m.put("source_rule", "test-poll");
        m.put("source_rule_version", 1);
        return m;
    }

    void publish(String kind, Object body, String msgId, Map<String, String> headers) throws Exception {
        publishRaw(kind, JSON.writeValueAsBytes(body), msgId, headers);
    }

    void publishRaw(String kind, byte[] body, String msgId, Map<String, String> headers) throws Exception {
        Headers h = new Headers();
        headers.forEach(h::put);
        PublishOptions.Builder o = PublishOptions.builder();
        if (msgId != null) {
            o.messageId(msgId);
        }
        js.publish(TenantStreams.dataSubject(slug, kind), h, body, o.build());
    }

    long count(String sql) throws SQLException {
        try (java.sql.Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    long rows() throws SQLException {
        return count("SELECT (SELECT count(*) FROM metric_datapoint) + (SELECT count(*) FROM state_datapoint)"
                + " + (SELECT count(*) FROM log_datapoint)");
    }

    long commandEvent() throws SQLException {
        return count("INSERT INTO event (name, origin, owner_kind, actor) VALUES ('command', 'operator', 'global', 'test') RETURNING id");
    }

    record DeadLetter(String error, String index, String body, Headers headers) {
    }

    List<DeadLetter> deadLetters() throws Exception {
        JetStreamManagement jsm = nats.jetStreamManagement();
        long last = jsm.getStreamInfo(TenantStreams.dlqStream(slug)).getStreamState().getLastSequence();
        List<DeadLetter> out = new ArrayList<>();
        for (long seq = 1; seq <= last; seq++) {
            MessageInfo mi = jsm.getMessage(TenantStreams.dlqStream(slug), seq);
            out.add(new DeadLetter(mi.getHeaders().getFirst("Og-Error"), mi.getHeaders().getFirst("Og-Error-Index"),
                    new String(mi.getData(), StandardCharsets.UTF_8), mi.getHeaders()));
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        nats.close();
    }
}

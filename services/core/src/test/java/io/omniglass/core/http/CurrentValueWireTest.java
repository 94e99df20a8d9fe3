package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.CurrentValue;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The current-value wire encoding (values copied from the Postgres wire into JSON without a
 * String per value, in binary or text format) against what the database itself holds: numbers
 * to the last bit, NaN and infinities, text with quotes, control characters and non-ASCII,
 * timestamps to the microsecond, in both shapes.
 */
class CurrentValueWireTest {

    static TestCore core;
    static OmniglassClient admin;
    static DataSource db;

    @BeforeAll
    static void start() throws Exception {
        core = TestCore.start(List.of(new GatewayModule()));
        admin = core.admin();
        Tenant t = core.createTenant("wire");
        db = core.core().context().tenantDataSource(t);
        sql("""
                INSERT INTO component (name) VALUES ('w-1');
                INSERT INTO datapoint_type (name, kind, unit) VALUES
                    ('m_plain', 'metric', 'bar'), ('m_tiny', 'metric', ''), ('m_huge', 'metric', ''), ('m_nan', 'metric', ''),
                    ('m_inf', 'metric', ''), ('m_neg', 'metric', 'K'), ('s_text', 'state', ''), ('l_text', 'log', '');
                INSERT INTO source_rule (name) VALUES ('wire-test');
                INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance)
                    SELECT 'component', 'w-1', id, kind, 'observed' FROM datapoint_type WHERE name ~ '^[msl]_';
                INSERT INTO series (owner_kind, datapoint_type_id, kind, provenance)
                    SELECT 'global', id, kind, 'observed' FROM datapoint_type WHERE name = 'm_plain';
                """);
        String ts = "date_trunc('second', now()) - interval '3 s'";
        metric("component:w-1", "m_plain", "0.1", ts + " + interval '0.123456 s'");
        metric("component:w-1", "m_tiny", "2.2250738585072014e-308", ts + " + interval '0.1 s'");
        metric("component:w-1", "m_huge", "1.7976931348623157e308", ts);
        metric("component:w-1", "m_nan", "'NaN'", ts + " + interval '0.000001 s'");
        metric("component:w-1", "m_inf", "'-Infinity'", ts + " + interval '0.5 s'");
        metric("component:w-1", "m_neg", "-273.15", ts + " + interval '0.25 s'");
        metric("global", "m_plain", "42", ts);
        sql("INSERT INTO state_datapoint (series_id, ts, value, provenance, source_rule_id) SELECT s.id, " + ts
                + ", E'running \"fast\" \\\\ ü \\u2603 \\n\\t\\x01', 'observed', (SELECT id FROM source_rule WHERE name = 'wire-test') "
                + "FROM series s JOIN datapoint_type t ON t.id = s.datapoint_type_id WHERE t.name = 's_text'");
        sql("INSERT INTO log_datapoint (series_id, ts, severity, message, provenance, source_rule_id) SELECT s.id, " + ts
                + ", 'warning', '</script> {\"json\": [1]}', 'observed', (SELECT id FROM source_rule WHERE name = 'wire-test') "
                + "FROM series s JOIN datapoint_type t ON t.id = s.datapoint_type_id WHERE t.name = 'l_text'");
    }

    static void metric(String owner, String key, String value, String ts) throws Exception {
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) SELECT s.id, " + ts + ", " + value
                + ", 'observed', (SELECT id FROM source_rule WHERE name = 'wire-test') FROM series s JOIN datapoint_type t "
                + "ON t.id = s.datapoint_type_id WHERE t.name = '" + key + "' AND s.owner = '" + owner + "'");
    }

    static void sql(String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    /** What the database holds, per (owner, key): value, text, severity, ts, series id. */
    record Held(Double value, String text, String severity, OffsetDateTime ts, long seriesId) {
    }

    static Map<String, Held> held() throws Exception {
        Map<String, Held> out = new HashMap<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT owner, key, value_num, value_text, severity::text, ts, series_id FROM current_value")) {
            while (rs.next()) {
                double v = rs.getDouble(3);
                Double value = rs.wasNull() ? null : v;
                out.put(rs.getString(1) + "/" + rs.getString(2), new Held(value, rs.getString(4), rs.getString(5),
                        rs.getObject(6, OffsetDateTime.class), rs.getLong(7)));
            }
        }
        return out;
    }

    @Test
    void bothShapesCarryExactlyWhatTheDatabaseHolds() throws Exception {
        Map<String, Held> held = held();
        assertThat(held).hasSize(9);
        // repeated: pooled connections, cached statements and their wire formats must not change the JSON
        for (int round = 0; round < 7; round++) {
            List<CurrentValue> objects = admin.currentValues("wire", null, null, null).items();
            List<CurrentValue> compact = admin.currentValuesCompact("wire", null, null, null).items();
            assertThat(compact).containsExactlyElementsOf(objects);
            // a large read (over 10,000) runs the lean query and takes key fields from the registry
            assertThat(admin.currentValues("wire", null, 50_000, null).items()).containsExactlyElementsOf(objects);
            assertThat(admin.currentValuesCompact("wire", null, 50_000, null).items()).containsExactlyElementsOf(objects);
            assertThat(objects).hasSize(9);
            for (CurrentValue v : objects) {
                Held h = held.get(v.owner() + "/" + v.key());
                assertThat(h).as(v.owner() + "/" + v.key()).isNotNull();
                if (h.value() == null || h.value().isNaN() || h.value().isInfinite()) {
                    assertThat(v.value()).as("%s: JSON has no NaN or infinity", v.key()).isNull();
                } else {
                    assertThat(v.value()).as(v.key()).isEqualTo(h.value()); // bit for bit
                }
                assertThat(v.text()).as(v.key()).isEqualTo(h.text());
                assertThat(v.severity()).as(v.key()).isEqualTo(h.severity());
                assertThat(v.ts().toInstant()).as(v.key()).isEqualTo(h.ts().toInstant());
                assertThat(v.seriesId()).isEqualTo(h.seriesId());
                assertThat(v.ownerKind()).isEqualTo(v.owner().equals("global") ? "global" : "component");
            }
            CurrentValue neg = objects.stream().filter(v -> v.key().equals("m_neg")).findFirst().orElseThrow();
            assertThat(neg.unit()).isEqualTo("K");
            assertThat(neg.kind()).isEqualTo("metric");
            assertThat(neg.fusionPolicy()).isEqualTo("latest");
        }
    }

    /** The JSON that {@link WireValues} writes for every current value, from text or from binary results. */
    static String encoded(boolean binary) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL TimeZone = 'UTC'"); // as a large read's transaction has it
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT owner, value_num, ts, source_count, series_id, "
                     + "datapoint_type_id, value_text FROM current_value ORDER BY series_id");
                 com.fasterxml.jackson.core.JsonGenerator g = OmniglassClient.JSON.getFactory().createGenerator(out, com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
            if (binary) {
                CurrentValueRoutes.forceBinary(ps);
            }
            try (ResultSet rs = ps.executeQuery()) {
                WireValues w = new WireValues(rs);
                g.writeStartArray();
                while (rs.next()) {
                    w.string(g, rs.getBytes(1));
                    w.float8(g, 2, rs.getBytes(2));
                    w.timestamptz(g, 3, rs.getBytes(3));
                    w.integer(g, 4, rs.getBytes(4));
                    w.integer(g, 5, rs.getBytes(5));
                    w.integer(g, 6, rs.getBytes(6));
                    w.string(g, rs.getBytes(7));
                }
                g.writeEndArray();
            }
            }
            c.rollback();
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void textAndBinaryResultsGiveTheSameJson() throws Exception {
        JsonNode text = OmniglassClient.JSON.readTree(encoded(false));
        JsonNode binary = OmniglassClient.JSON.readTree(encoded(true));
        assertThat(binary.size()).isEqualTo(text.size()).isEqualTo(9 * 7);
        for (int i = 0; i < text.size(); i++) {
            JsonNode t = text.get(i);
            JsonNode b = binary.get(i);
            if (t.isNumber()) {
                // Postgres prints 42 and 1e+308 where Java writes 42.0 and 1.0E308: the same numbers
                assertThat(b.isNumber()).as("element %d: %s vs %s", i, t, b).isTrue();
                assertThat(b.doubleValue()).as("element %d", i).isEqualTo(t.doubleValue());
            } else {
                assertThat(b).as("element %d", i).isEqualTo(t);
            }
        }
        assertThat(text.toString()).contains("running \\\"fast\\\"");
    }

    @Test
    void timestampsAreIsoUtcWithThePostgresFraction() throws Exception {
        HttpResponse<String> r = admin.http().send(HttpRequest.newBuilder(URI.create(core.httpUrl()
                        + "/api/v1/tenants/wire/current-values?filter=" + java.net.URLEncoder.encode("key ~ \"m_*\"", "UTF-8")))
                .header("Authorization", "Bearer " + admin.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, String> ts = new HashMap<>();
        for (JsonNode item : OmniglassClient.JSON.readTree(r.body()).path("items")) {
            ts.put(item.path("owner").asText() + "/" + item.path("key").asText(), item.path("ts").asText());
        }
        assertThat(ts.get("component:w-1/m_plain")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.123456Z");
        assertThat(ts.get("component:w-1/m_tiny")).matches(".*:\\d\\d\\.1Z");
        assertThat(ts.get("component:w-1/m_huge")).matches(".*T\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(ts.get("component:w-1/m_nan")).matches(".*:\\d\\d\\.000001Z");
        assertThat(ts.get("component:w-1/m_inf")).matches(".*:\\d\\d\\.5Z");
    }

    @Test
    void isoFormattingMatchesJavaTimeAcrossTheCalendar() {
        char[] buf = new char[64];
        java.util.Random r = new java.util.Random(11);
        long pgEpochMicros = 946_684_800_000_000L;
        for (int i = 0; i < 100_000; i++) {
            // years 1..9999, any microsecond
            long unixMicros = -62_135_596_800_000_000L + (long) (r.nextDouble() * 315_537_897_599_999_999L);
            if (i % 3 == 0) {
                unixMicros -= Math.floorMod(unixMicros, 1_000_000L); // whole seconds
            }
            int n = WireValues.isoFromPgMicros(unixMicros - pgEpochMicros, buf);
            java.time.Instant expected = java.time.Instant.ofEpochSecond(Math.floorDiv(unixMicros, 1_000_000L),
                    Math.floorMod(unixMicros, 1_000_000L) * 1000);
            String iso = new String(buf, 0, n);
            assertThat(java.time.Instant.parse(iso)).as(iso).isEqualTo(expected);
            assertThat(iso).doesNotMatch(".*\\.\\d*0Z"); // Postgres drops trailing zeros of the fraction
        }
        assertThat(WireValues.isoFromPgMicros(Long.MAX_VALUE, buf)).isEqualTo(-1); // 'infinity'
    }

    /** One value through {@link WireValues} into a generator, as the JSON text it wrote. */
    static String written(WireValues w, java.io.ByteArrayOutputStream out, com.fasterxml.jackson.core.JsonGenerator g,
                          byte[] value, boolean timestamp) throws Exception {
        out.reset();
        if (timestamp) {
            w.timestamptz(g, 1, value);
        } else {
            w.string(g, value);
        }
        g.flush();
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void binaryTimestampsOfOneDayAndAcrossDaysAreWrittenAsFormatted() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        WireValues w = new WireValues(new boolean[] {false, true});
        char[] buf = new char[64];
        java.util.Random r = new java.util.Random(13);
        try (com.fasterxml.jackson.core.JsonGenerator g = OmniglassClient.JSON.getFactory().createGenerator(out)) {
            long micros = 0;
            for (int i = 0; i < 50_000; i++) {
                // mostly a step within the day (the date part is reused), now and then a jump across the calendar
                micros = i % 100 == 0 ? (long) ((r.nextDouble() - 0.6) * 3.0e17) : micros + r.nextInt(5_000_000);
                if (i % 7 == 0) {
                    micros -= Math.floorMod(micros, 1_000_000L);
                }
                byte[] wire = java.nio.ByteBuffer.allocate(8).putLong(micros).array();
                int n = WireValues.isoFromPgMicros(micros, buf);
                String expected = n < 0 ? null : "\"" + new String(buf, 0, n) + "\"";
                String json = written(w, out, g, wire, true).replaceFirst("^ ", "");
                if (expected != null) {
                    assertThat(json).as("micros %d", micros).isEqualTo(expected);
                } else {
                    assertThat(OmniglassClient.JSON.readTree(json).isTextual()).isTrue();
                }
            }
        }
    }

    @Test
    void stringsAreWrittenAsJacksonEscapesThem() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream ref = new java.io.ByteArrayOutputStream();
        WireValues w = new WireValues(new boolean[] {false, false});
        String alphabet = "abcXYZ019:-_ ./\"\\\u0001\n\t\u007f\u00fc\u2603<>&'";
        java.util.Random r = new java.util.Random(17);
        try (com.fasterxml.jackson.core.JsonGenerator g = OmniglassClient.JSON.getFactory().createGenerator(out);
             com.fasterxml.jackson.core.JsonGenerator jg = OmniglassClient.JSON.getFactory().createGenerator(ref)) {
            for (int i = 0; i < 20_000; i++) {
                StringBuilder sb = new StringBuilder();
                int len = r.nextInt(24);
                // half of them plain printable ASCII, the path without Jackson's escaping pass
                String from = i % 2 == 0 ? alphabet.substring(0, 15) : alphabet;
                for (int k = 0; k < len; k++) {
                    sb.append(from.charAt(r.nextInt(from.length())));
                }
                ref.reset();
                jg.writeString(sb.toString());
                jg.flush();
                String expected = ref.toString(java.nio.charset.StandardCharsets.UTF_8).replaceFirst("^ ", "");
                String json = written(w, out, g, sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), false)
                        .replaceFirst("^ ", "");
                assertThat(json).as(sb.toString()).isEqualTo(expected);
                assertThat(OmniglassClient.JSON.readTree(json).textValue()).isEqualTo(sb.toString());
            }
        }
    }
}

package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.gateway.GatewayTestFixtures;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A corpus of 1,000+ hostile filter strings against the real API and Postgres: every answer is a
 * 200 with rows inside the token's scope or a 400 with {"error", "detail"}; never a 500 or a
 * database error. Valid filters of the curated list also return exactly the right rows.
 */
class FilterFuzzTest {

    static TestCore core;
    static String tenantWide;
    static String siteA;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule()));
        var t = core.createTenant("fuzz");
        GatewayTestFixtures.loadScopeFixture(Gateway.forCore(core.core().context()), t);
        tenantWide = core.admin().createToken(new CreateTokenRequest("viewer", "fuzz", null, "fuzz-viewer")).token();
        siteA = core.admin().createToken(new CreateTokenRequest("viewer", "fuzz", "location:site-a", "fuzz-site-a")).token();
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    record Answer(int status, JsonNode body) {
    }

    static Answer get(String token, String filter) throws Exception {
        String url = core.httpUrl() + "/api/v1/tenants/fuzz/current-values?filter="
                + URLEncoder.encode(filter, StandardCharsets.UTF_8);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), OmniglassClient.JSON.readTree(r.body()));
    }

    static Set<String> owners(JsonNode body) {
        Set<String> out = new HashSet<>();
        body.path("items").forEach(i -> out.add(i.path("owner").asText()));
        return out;
    }

    @Test
    void curatedFiltersGiveTheRightRowsOrAClearError() throws Exception {
        Map<String, Set<String>> valid = Map.of(
                "owner = \"component:pump-1\"", Set.of("component:pump-1"),
                "owner ~ \"*pump*\" and owner != component:pump-2", Set.of("component:pump-1"),
                "OWNER ~ \"location:*\" AND key = fx_pressure", Set.of("location:site-a", "location:hall-1", "location:site-b"),
                "owner = \"'; drop table series; --\"", Set.of(),
                "owner ~ \"%\"", Set.of(),
                "owner ~ \"_lobal\"", Set.of(),
                "owner ~ \"?lobal\"", Set.of("global"),
                "owner = \"ポンプ\" or owner = \"\uD83D\uDE00\"", Set.of(),
                "value < 2", Set.of("location:site-a"),
                "ts > 2000-01-01 and ts < \"2999-01-01T00:00:00Z\" and owner in (global)", Set.of("global"));
        for (var e : valid.entrySet()) {
            Answer a = get(tenantWide, e.getKey());
            assertThat(a.status()).as(e.getKey()).isEqualTo(200);
            assertThat(owners(a.body())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void hostileCorpusNeverBreaksTheServer() throws Exception {
        List<String> corpus = corpus();
        assertThat(corpus.size()).isGreaterThanOrEqualTo(1000);
        int ok = 0;
        int bad = 0;
        for (int i = 0; i < corpus.size(); i++) {
            String f = corpus.get(i);
            boolean scoped = i % 2 == 1;
            Answer a = get(scoped ? siteA : tenantWide, f);
            assertThat(a.status()).as("filter %s", printable(f)).isIn(200, 400);
            if (a.status() == 200) {
                ok++;
                Set<String> allowed = new HashSet<>(scoped ? GatewayTestFixtures.SITE_A : GatewayTestFixtures.ALL_OWNERS);
                assertThat(allowed).as("filter %s", printable(f)).containsAll(owners(a.body()));
            } else {
                bad++;
                assertThat(a.body().path("error").asText()).isNotBlank();
                String detail = a.body().path("detail").asText();
                assertThat(detail).as("filter %s", printable(f)).isNotBlank()
                        .doesNotContainIgnoringCase("sql").doesNotContainIgnoringCase("postgres")
                        .doesNotContain("Exception").doesNotContain("\tat ");
            }
        }
        assertThat(ok).isGreaterThan(20);
        assertThat(bad).isGreaterThan(300);
    }

    static String printable(String s) {
        String t = s.length() > 120 ? s.substring(0, 120) + "..." : s;
        StringBuilder b = new StringBuilder();
        t.codePoints().forEach(c -> b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", c) : new String(Character.toChars(c))));
        return b.toString();
    }

    static List<String> corpus() {
        List<String> c = new ArrayList<>(List.of(
                "'; drop table series; --", "owner = 'x'", "owner = x; select pg_sleep(10)", "owner = x -- comment",
                "owner = x /* c */", "/**/owner = x", "owner = \"x\\\" or 1=1 --\"", "1=1", "owner = x or 1=1",
                "owner = x) or (1=1", "((((((((((owner = x))))))))))", "(owner = x", "owner = x)", "()", "(", ")",
                "owner in ()", "owner in (a,)", "owner in a", "owner in (a b)", "owner in ((a))", "and", "or", "or or",
                "owner", "owner =", "= x", "owner == x", "owner <> x", "owner =< x", "owner => x", "owner ! x",
                "owner != \"unterminated", "owner = \"bad \\q escape\"", "owner = \"trailing\\", "owner = \u0000",
                "owner = \"a\u0000b\"", "owner\u0000= x", "owner = \"\u001b[31m\"", "owner = \"\u007f\"",
                "owner = \"\ud800\"", "owner = \"\udc00x\"", "owner = \"\u202egnp.exe\"", "owner = \"\ufeff\"",
                "owner ~ \"\\\\\"", "owner ~ \"%_%\"", "value > 1e309", "value > NaN", "value > Infinity",
                "value > -", "value > 0x10", "value > 1_000", "value > ''", "ts > \"2026-13-45\"", "ts > now()",
                "ts > 2026-11-21T07:00:00", "ts > 2026-11-21T07:00:00+25:00", "series_id = 99999999999999999999",
                "series_id = 1.5", "severity = drop", "severity = \"warning\" or severity = bogus", "kind ~ met*",
                "provenance < observed", "owner ~ x and value ~ 1", "select * from series", "owner = x union select 1",
                "owner = $$x$$", "owner = E'\\x41'", "owner = x::text", "owner = x and and owner = y",
                "owner = x or", "not owner = x", "owner not in (x)", "owner is null", "owner = null",
                "owner like '%'", "owner ilike x", "owner = x\nand key = y", "owner = x\rand key = y",
                "owner = x\tand key = y", "owner=x", "owner=\"x\"and key=y", "owner ~\"*\"", "\"owner\" = x",
                "owner.x = y", "pg_catalog.owner = x", "owner = x and ts > (select now())", "owner = `x`"));
        c.add("owner = \"" + "a".repeat(600) + "\"");
        c.add("owner = " + "x".repeat(5000));
        c.add("owner = x" + " and owner = x".repeat(40));
        c.add("(".repeat(500) + "owner = x" + ")".repeat(500));
        c.add("owner in (" + "a,".repeat(300) + "a)");
        c.add("\"".repeat(2000));
        c.add("\\".repeat(1000));
        Random r = new Random(20261121);
        String[] fields = {"owner", "key", "value", "ts", "kind", "provenance", "severity", "series_id", "source_count",
                "instance", "colour", "OWNER", "owner_kind", "text", "1", "", "_", "pg_sleep"};
        String[] ops = {"=", "!=", "<", "<=", ">", ">=", "~", "in", "==", "<>", "=~", "!", "like", ""};
        String[] values = {"x", "\"x y\"", "component:pump-1", "\"component:pump-*\"", "*", "?", "%", "_", "''", "'",
                "\"", "\\", "1", "-1", "1.5e3", "1e999", "NaN", "2026-11-21T07:00:00Z", "2026-11-21", "yesterday",
                "observed", "metric", "warning", "true", "null", "(a, b)", "(1, 2)", "()", "\"\\n\"", "\"\\u0041\"",
                "\u00e9", "\u4e2d\u6587", "\uD83D\uDE00", "\u0000", "\u0007", "\u2028", "\"\u200b\"", "DROP", "--",
                "/*", "*/", ";", "$1", "?", ":name", "%s", "{}", "[]", "\"" + "z".repeat(300) + "\""};
        String[] joins = {" and ", " or ", " AND ", " Or ", " ", ",", " and and ", ") and (", " or (", ") "};
        while (c.size() < 1200) {
            StringBuilder b = new StringBuilder();
            int terms = 1 + r.nextInt(4);
            for (int t = 0; t < terms; t++) {
                if (t > 0) {
                    b.append(joins[r.nextInt(joins.length)]);
                }
                if (r.nextInt(6) == 0) {
                    b.append('(');
                }
                b.append(fields[r.nextInt(fields.length)]).append(' ').append(ops[r.nextInt(ops.length)]).append(' ')
                        .append(values[r.nextInt(values.length)]);
                if (r.nextInt(6) == 0) {
                    b.append(')');
                }
            }
            String s = b.toString();
            if (r.nextInt(8) == 0) {
                // splice a random code point (any plane, control characters included) somewhere
                int cp = r.nextInt(4) == 0 ? r.nextInt(0x20) : r.nextInt(0x10FFFF);
                if (cp < 0xD800 || cp > 0xDFFF) {
                    int at = r.nextInt(s.length() + 1);
                    s = s.substring(0, at) + new String(Character.toChars(cp)) + s.substring(at);
                }
            }
            c.add(s);
        }
        return c;
    }
}

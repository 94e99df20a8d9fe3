package io.omniglass.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.views.services.BulkResult;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.services.LiveUpdate;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How the console reads the core's JSON (shapes as the gateway and rules endpoints write them). */
class WireMappingTest {

    private static JsonNode json(String s) throws Exception {
        return OmniglassClient.JSON.readTree(s);
    }

    @Test
    void currentValuesOfEachKindRenderReadably() throws Exception {
        CurrentValue metric = HttpConsoleServices.currentValue(json("{\"owner\":\"component:pump-1\",\"key\":\"flow\",\"kind\":\"metric\",\"unit\":\"m3/h\",\"instance\":\"\",\"provenance\":\"observed\",\"value\":4.25,\"text\":null,\"ts\":\"2026-11-21T08:00:00Z\",\"series_id\":20}"));
        assertThat(metric.value()).isEqualTo("4.25");
        assertThat(metric.seriesId()).isEqualTo(20);
        CurrentValue state = HttpConsoleServices.currentValue(json("{\"owner\":\"component:valve-2\",\"key\":\"position\",\"kind\":\"state\",\"value\":null,\"text\":\"open\",\"series_id\":3}"));
        assertThat(state.value()).isEqualTo("open");
        assertThat(state.numeric()).isNull();
        CurrentValue log = HttpConsoleServices.currentValue(json("{\"owner\":\"global\",\"key\":\"status_log\",\"value\":null,\"text\":\"trip\",\"severity\":\"error\"}"));
        assertThat(log.value()).isEqualTo("error: trip");
    }

    @Test
    void liveEventsBecomeValueUpdatesOrRecordChanges() throws Exception {
        LiveUpdate v = SseLiveFeed.toUpdate("value", json("{\"owner\":\"component:pump-1\",\"key\":\"flow\",\"instance\":\"\",\"provenance\":\"observed\",\"ts\":\"2026-11-21T08:00:01Z\",\"value\":{\"severity\":\"warning\",\"message\":\"hot\"}}"));
        assertThat(v).isInstanceOfSatisfying(LiveUpdate.Value.class, x -> assertThat(x.value().value()).isEqualTo("warning: hot"));
        LiveUpdate c = SseLiveFeed.toUpdate("change", json("{\"table\":\"alarm\",\"op\":\"update\",\"row\":{\"id\":3,\"acked\":true}}"));
        assertThat(c).isInstanceOfSatisfying(LiveUpdate.RecordChange.class, x -> {
            assertThat(x.table()).isEqualTo("alarm");
            assertThat(x.row()).containsEntry("acked", "true");
        });
    }

    @Test
    void bulkResultsCarryAVerdictForEveryId() throws Exception {
        List<BulkResult> r = HttpConsoleServices.bulkResults(List.of(1L, 2L, 3L), json(
                "[{\"id\":1,\"status\":200,\"error\":null},{\"id\":2,\"status\":409,\"error\":\"alarm 2 is cleared\"}]"));
        assertThat(r).containsExactly(new BulkResult(1, true, null), new BulkResult(2, false, "alarm 2 is cleared"),
                new BulkResult(3, false, "no result from the core"));
    }

    @Test
    void lineagePutsTheRootFirstAndKnowsWhichNodesCanBeExpanded() throws Exception {
        LineageGraph g = HttpConsoleServices.lineageOf(json("{\"root\":\"alarm:3\",\"depth\":3,\"nodes\":["
                + "{\"id\":\"datapoint:metric:12:2026-11-21T08:00:00.5Z\",\"type\":\"datapoint\",\"label\":\"pump-3 temperature\",\"attrs\":{\"value\":88.2},\"hidden\":2},"
                + "{\"id\":\"alarm:3\",\"type\":\"alarm\",\"label\":\"pump-3 active\",\"attrs\":{},\"hidden\":0},"
                + "{\"id\":\"event_rule_version:1:1\",\"type\":\"event_rule_version\",\"label\":\"r v1\",\"attrs\":{},\"hidden\":0}],"
                + "\"edges\":[{\"from\":\"datapoint:metric:12:2026-11-21T08:00:00.5Z\",\"to\":\"alarm:3\",\"label\":\"triggered\"}]}"));
        assertThat(g.nodes().get(0).id()).isEqualTo("alarm:3");
        LineageGraph.Node dp = g.nodes().get(1);
        assertThat(dp.ref()).isEqualTo("metric/12/2026-11-21T08%3A00%3A00.5Z");
        assertThat(dp.details()).containsEntry("value", "88.2").containsKey("not shown");
        assertThat(g.nodes().get(2).ref()).isNull();
        assertThat(g.edges()).singleElement().satisfies(e -> assertThat(e.label()).isEqualTo("triggered"));
    }

    @Test
    void ingestRatesAreTheDifferenceBetweenTwoScrapes() {
        HttpConsoleServices s = new HttpConsoleServices(new OmniglassClient("http://127.0.0.1:1", "t"));
        String first = "# TYPE og_sink_rows_written_total counter\nog_sink_rows_written_total{tenant=\"demo\"} 1000.0\n";
        String second = "og_sink_rows_written_total{tenant=\"demo\"} 1500.0\nog_sink_rows_written_total{tenant=\"b\"} 7.0\n";
        assertThat(s.ratesFrom(first, 100.0)).isEmpty();
        assertThat(s.ratesFrom(second, 110.0)).containsExactly(java.util.Map.entry("demo", 50.0));
    }
}

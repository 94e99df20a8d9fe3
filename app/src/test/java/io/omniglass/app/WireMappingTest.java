package io.omniglass.app;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.omniglass.api.AlarmResult;
import io.omniglass.api.lane.ChangeMessage;
import io.omniglass.api.LiveValue;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.ServerSentEvents;
import io.omniglass.api.WireJson;
import io.omniglass.views.services.BulkResult;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.services.LiveUpdate;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the console turns the api records into the views' types (shapes as the core writes them). */
class WireMappingTest {

    private static <T> T read(String json, Class<T> type) throws Exception {
        return WireJson.mapper().readValue(json, type);
    }

    private static final String METRIC = "{\"owner\":\"component:pump-1\",\"owner_kind\":\"component\",\"key\":\"flow\",\"kind\":\"metric\","
            + "\"unit\":\"m3/h\",\"instance\":\"\",\"provenance\":\"observed\",\"fusion_policy\":\"latest\",\"value\":4.25,"
            + "\"ts\":\"2026-11-21T08:00:00Z\",\"source_count\":1,\"series_id\":20}";

    @Test
    void currentValuesOfEachKindRenderReadably() throws Exception {
        CurrentValue metric = HttpConsoleServices.currentValue(read(METRIC, io.omniglass.api.CurrentValue.class));
        assertThat(metric.value()).isEqualTo("4.25");
        assertThat(metric.seriesId()).isEqualTo(20);
        CurrentValue state = HttpConsoleServices.currentValue(read("{\"owner\":\"component:valve-2\",\"key\":\"position\",\"kind\":\"state\","
                + "\"unit\":null,\"instance\":\"\",\"provenance\":\"observed\",\"text\":\"open\",\"ts\":\"2026-11-21T08:00:00Z\",\"series_id\":3}",
                io.omniglass.api.CurrentValue.class));
        assertThat(state.value()).isEqualTo("open");
        assertThat(state.numeric()).isNull();
        CurrentValue log = HttpConsoleServices.currentValue(read("{\"owner\":\"global\",\"key\":\"status_log\",\"kind\":\"log\",\"unit\":null,"
                + "\"instance\":\"\",\"provenance\":\"observed\",\"text\":\"trip\",\"severity\":\"error\",\"ts\":\"2026-11-21T08:00:00Z\",\"series_id\":4}",
                io.omniglass.api.CurrentValue.class));
        assertThat(log.value()).isEqualTo("error: trip");
    }

    @Test
    void aFieldTheConsoleNeedsThatIsMissingIsAnErrorNotAnEmptyCell() {
        String renamed = METRIC.replace("\"series_id\"", "\"seriesId\"");
        assertThatThrownBy(() -> read(renamed, io.omniglass.api.CurrentValue.class))
                .isInstanceOf(MismatchedInputException.class).hasMessageContaining("series_id");
    }

    @Test
    void liveEventsBecomeValueUpdatesOrRecordChanges() throws Exception {
        String stream = ": connected\n\n"
                + "id: 7\nevent: value\ndata: {\"owner\":\"component:pump-1\",\"key\":\"flow\",\"instance\":\"\",\"provenance\":\"observed\","
                + "\"ts\":\"2026-11-21T08:00:01Z\",\"value\":{\"severity\":\"warning\",\"message\":\"hot\"}}\n\n"
                + "event: change\ndata: {\"lsn\":\"0/1\",\"table\":\"alarm\",\"op\":\"update\",\"key\":{\"id\":3},\n"
                + "data: \"row\":{\"id\":3,\"acked\":true}}\n\n";
        List<ServerSentEvents.Event> events = new ArrayList<>();
        String last = ServerSentEvents.read(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), null, events::add, () -> false);
        assertThat(last).isEqualTo("7");
        assertThat(events).extracting(ServerSentEvents.Event::name).containsExactly("value", "change");
        assertThat(OmniglassClient.liveEvent(events.get(0))).isInstanceOf(LiveValue.class);
        assertThat(OmniglassClient.liveEvent(events.get(1))).isInstanceOf(ChangeMessage.class);

        LiveUpdate v = SseLiveFeed.toUpdate(OmniglassClient.liveEvent(events.get(0)));
        assertThat(v).isInstanceOfSatisfying(LiveUpdate.Value.class, x -> assertThat(x.value().value()).isEqualTo("warning: hot"));
        LiveUpdate c = SseLiveFeed.toUpdate(OmniglassClient.liveEvent(events.get(1)));
        assertThat(c).isInstanceOfSatisfying(LiveUpdate.RecordChange.class, x -> {
            assertThat(x.table()).isEqualTo("alarm");
            assertThat(x.row()).containsEntry("acked", "true");
        });
    }

    @Test
    void bulkResultsCarryAVerdictForEveryId() throws Exception {
        List<AlarmResult> results = WireJson.mapper().readValue(
                "[{\"id\":1,\"status\":200,\"error\":null,\"alarm\":null},{\"id\":2,\"status\":409,\"error\":\"alarm 2 is cleared\",\"alarm\":null}]",
                new TypeReference<List<AlarmResult>>() { });
        assertThat(HttpConsoleServices.bulkResults(List.of(1L, 2L, 3L), results)).containsExactly(new BulkResult(1, true, null),
                new BulkResult(2, false, "alarm 2 is cleared"), new BulkResult(3, false, "no result from the core"));
    }

    @Test
    void lineagePutsTheRootFirstAndKnowsWhichNodesCanBeExpanded() throws Exception {
        LineageGraph g = HttpConsoleServices.lineageOf(read("{\"root\":\"alarm:3\",\"depth\":3,\"nodes\":["
                + "{\"id\":\"datapoint:metric:12:2026-11-21T08:00:00.500Z\",\"type\":\"datapoint\",\"label\":\"pump-3 temperature\",\"attrs\":{\"value\":88.2},\"hidden\":2},"
                + "{\"id\":\"alarm:3\",\"type\":\"alarm\",\"label\":\"pump-3 active\",\"attrs\":{},\"hidden\":0},"
                + "{\"id\":\"event_rule_version:1:1\",\"type\":\"event_rule_version\",\"label\":\"r v1\",\"attrs\":{},\"hidden\":1}],"
                + "\"edges\":[{\"from\":\"datapoint:metric:12:2026-11-21T08:00:00.500Z\",\"to\":\"alarm:3\",\"label\":\"triggered\"}]}",
                io.omniglass.api.LineageGraph.class));
        assertThat(g.nodes().get(0).id()).isEqualTo("alarm:3");
        LineageGraph.Node dp = g.nodes().get(1);
        assertThat(dp.ref()).isEqualTo("datapoint:metric:12:2026-11-21T08:00:00.500Z");
        assertThat(dp.details()).containsEntry("value", "88.2");
        assertThat(dp.hidden()).as("the links the answer left out, for the \"n of m\" count").isEqualTo(2);
        assertThat(g.nodes().get(0).ref()).as("an alarm can be walked from even when nothing is left out").isEqualTo("alarm:3");
        assertThat(g.nodes().get(2).ref()).as("a rule version is a leaf of the walk").isNull();
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

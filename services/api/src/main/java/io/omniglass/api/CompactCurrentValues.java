package io.omniglass.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the compact shape of {@code GET current-values?format=compact}: {@code columns} names the
 * position of each field in every {@code rows} entry, {@code types} carries each key's kind, unit
 * and fusion policy once (by type id), and the owner kind is the owner's prefix.
 */
public final class CompactCurrentValues {

    private CompactCurrentValues() {
    }

    public static Page<CurrentValue> read(JsonNode body) {
        Map<String, Integer> at = new HashMap<>();
        JsonNode columns = body.path("columns");
        for (int i = 0; i < columns.size(); i++) {
            at.put(columns.get(i).asText(), i);
        }
        JsonNode types = body.path("types");
        List<CurrentValue> out = new ArrayList<>(body.path("rows").size());
        for (JsonNode row : body.path("rows")) {
            String owner = text(row, at, "owner");
            JsonNode type = types.path(text(row, at, "type_id"));
            JsonNode value = row.get(at.get("value"));
            String ts = text(row, at, "ts");
            out.add(new CurrentValue(owner, ownerKind(owner), text(row, at, "key"), type.path("kind").asText(null),
                    type.path("unit").asText(null), text(row, at, "instance"), text(row, at, "provenance"),
                    type.path("fusion_policy").asText(null), value == null || value.isNull() ? null : value.asDouble(),
                    text(row, at, "text"), text(row, at, "severity"), ts == null ? null : OffsetDateTime.parse(ts),
                    row.get(at.get("source_count")).asLong(), row.get(at.get("series_id")).asLong()));
        }
        JsonNode next = body.get("next");
        return new Page<>(out, next == null || next.isNull() ? null : next.asText());
    }

    /** {@code component:pump-1} is owned by a component; {@code global} by nobody. */
    public static String ownerKind(String owner) {
        int colon = owner == null ? -1 : owner.indexOf(':');
        return colon < 0 ? "global" : owner.substring(0, colon);
    }

    private static String text(JsonNode row, Map<String, Integer> at, String column) {
        Integer i = at.get(column);
        JsonNode v = i == null ? null : row.get(i);
        return v == null || v.isNull() ? null : v.asText();
    }
}

package io.omniglass.api.lane;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.WireJson;

import java.io.IOException;
import java.util.List;

/**
 * One committed row change on the feed {@code og.<tenant>.cdc.<table>} (CONTRACT.md, "The change
 * feed"). {@code key}, {@code row} and {@code old} hold column values by name; {@code row} is null
 * for a delete, {@code old} unless the table replicates full rows. {@code tooLarge}: the change did
 * not fit a message and carries its key only. The core writes it with a streaming encoder under
 * these field names ({@link #LSN} ...); consumers read it with {@link #read}. The live feed's
 * {@code change} events carry the same object (a scoped reader's copy may lack columns it may not see).
 */
public record ChangeMessage(String lsn, long xid, @JsonProperty(COMMIT_TS) String commitTs,
                            @JsonProperty(value = TABLE, required = true) String table,
                            @JsonProperty(value = OP, required = true) String op,
                            JsonNode key, JsonNode row, JsonNode old,
                            @JsonProperty(TOO_LARGE) boolean tooLarge,
                            @JsonProperty(UNCHANGED_TOAST) List<String> unchangedToast) {

    public static final String LSN = "lsn", XID = "xid", COMMIT_TS = "commit_ts", TABLE = "table", OP = "op",
            KEY = "key", ROW = "row", OLD = "old", TOO_LARGE = "too_large", UNCHANGED_TOAST = "unchanged_toast";

    public static final String INSERT = "insert", UPDATE = "update", DELETE = "delete", TRUNCATE = "truncate";

    public static ChangeMessage read(byte[] body) throws IOException {
        return WireJson.mapper().readValue(body, ChangeMessage.class);
    }

    /** {@code row} as an object node, or a missing node (never null) for deletes and truncates. */
    public JsonNode rowOrMissing() {
        return row == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : row;
    }
}

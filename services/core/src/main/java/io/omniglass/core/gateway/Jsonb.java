package io.omniglass.core.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.omniglass.api.WireJson;
import org.jooq.JSONB;

/** A value as a jsonb column holds it, serialised by the wire's one mapper; {@code null} stays SQL NULL. */
public final class Jsonb {

    private Jsonb() {
    }

    public static JSONB of(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return JSONB.valueOf(WireJson.mapper().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serialisable as JSON: " + e.getOriginalMessage(), e);
        }
    }
}

package io.omniglass.core.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.omniglass.api.OmniglassClient;
import org.jooq.DSLContext;
import org.jooq.JSONB;

import static io.omniglass.schema.tenant.Tables.AUDIT_LOG;

/** The audit_log row of an operator (or scheduled) change, written in the change's own transaction. */
public final class Audit {

    private Audit() {
    }

    public static void write(DSLContext tx, String actor, String verb, String resource, Object old, Object now) {
        tx.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.ACTOR, actor)
                .set(AUDIT_LOG.VERB, verb)
                .set(AUDIT_LOG.RESOURCE, resource)
                .set(AUDIT_LOG.OLD, jsonb(old))
                .set(AUDIT_LOG.NEW, jsonb(now))
                .execute();
    }

    public static JSONB jsonb(Object o) {
        if (o == null) {
            return null;
        }
        try {
            return JSONB.valueOf(OmniglassClient.JSON.writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}

package io.omniglass.core.plant;

import com.fasterxml.jackson.databind.JsonNode;
import org.jooq.DSLContext;

import java.util.Map;

/**
 * Loads the {@code rules:} section of a plant description, inside the import's transaction. The
 * rules feature provides one through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.omniglass.core.plant.PlantRulesImporter}); without one, the section
 * is kept unread and reported as skipped.
 */
public interface PlantRulesImporter {

    /** Upserts the rules idempotently; returns counts to report (e.g. {"event_rules": 3}). */
    Map<String, Integer> importRules(DSLContext tx, JsonNode rules, io.omniglass.core.gateway.AuditActor actor);
}

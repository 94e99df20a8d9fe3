package io.omniglass.core.lifecycle;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.plant.PlantDescription;
import org.jooq.DSLContext;

import java.util.List;

/**
 * The {@code retention:} section of a plant file: each entry sets one level of the cascade in the
 * import's transaction (audited when it changes anything); levels the file does not name stay.
 * <pre>
 * retention:
 *   - {table: metric_datapoint, keep: 180d}
 *   - {table: metric_datapoint, type: vibration, hot: 2d}
 *   - {table: metric_datapoint, owner: "component:pump-7", keep: 2y}
 * </pre>
 */
public final class PlantRetention {

    private PlantRetention() {
    }

    /** Returns how many levels changed. IllegalArgumentException names the entry that is wrong. */
    public static int apply(DSLContext tx, List<PlantDescription.Retention> entries, AuditActor actor) {
        int changed = 0;
        for (int i = 0; i < entries.size(); i++) {
            PlantDescription.Retention e = entries.get(i);
            try {
                if (e.table() == null) {
                    throw new IllegalArgumentException("'table' is required");
                }
                RetentionLevel level = new RetentionLevel(e.table(), blank(e.type()), blank(e.owner()),
                        e.hot() == null ? null : RetentionDuration.parse(e.hot()),
                        e.keep() == null ? null : RetentionDuration.parse(e.keep()),
                        e.tier() == null ? null : Tier.parse(e.tier()));
                LifecycleRoutes.requireKnown(tx, level);
                if (RetentionStore.upsert(tx, actor, level)) {
                    changed++;
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("retention entry " + (i + 1) + ": " + ex.getMessage(), ex);
            }
        }
        return changed;
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}

package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The plant screen's reads: the tree (lazily, and searched) and one entity's detail. */
public interface PlantService {

    /** The children of {@code parentId} (null: the roots), at most {@code limit}, after the cursor {@code after}. */
    PlantLevel children(String tenant, String parentId, int limit, String after);

    /** Entities whose name or display name contains {@code query}, any case, each with its path. */
    PlantLevel search(String tenant, String query, int limit);

    /** Current values of one owner ({@code component:pump-7}), or of the whole tenant when {@code owner} is null. */
    Page<CurrentValue> ownerValues(String tenant, String owner, int limit, String after);

    /** Per metric series of the owner: buckets over [from, to) (the sparklines). */
    Map<Long, SeriesBuckets> sparklines(String tenant, String owner, Instant from, Instant to, String bucket);

    /** The owner's active alarms. */
    List<Alarm> activeAlarms(String tenant, String owner);

    /** The owner's configuration variables. */
    List<PlantVariable> variables(String tenant, String owner);
}
